import { z } from 'zod';
import { deliveryStatus } from './responses';

const timestamp = z.iso.datetime({ offset: true });
const count = z.number().int().min(0);
const recoveryStatus = z.enum(['running', 'completed', 'cancelled']);

export const recoveryAccepted = z.object({ id: z.string(), status: recoveryStatus, matched: count });

export const recovery = z.object({
  id: z.string(),
  webhook_id: z.string(),
  status: recoveryStatus,
  since: timestamp,
  until: timestamp,
  statuses: z.array(deliveryStatus),
  matched: count.describe('Deliveries in the window with those statuses, fixed when the recovery was asked for'),
  started: count.describe('…re-attempted so far'),
  succeeded: count.describe('…of which succeeded'),
  failed: count.describe('…of which failed again (dead-lettered, cancelled, or gone)'),
  created_at: timestamp,
  completed_at: timestamp.nullable(),
});

export const redelivered = z.object({
  event_id: z.string(),
  deliveries: z.array(z.object({ id: z.string(), webhook_id: z.string(), status: z.literal('pending'), created_at: timestamp })),
});

export type RecoveryAccepted = z.infer<typeof recoveryAccepted>;
export type Recovery = z.infer<typeof recovery>;
export type Redelivered = z.infer<typeof redelivered>;
