import { z } from 'zod';
import { isId } from '../db/ids';
import { FINAL_STATUSES, type DeliveryStatus } from '../db/types';

/** The longest window one recovery may cover. */
export const MAX_RECOVERY_WINDOW_MS = 14 * 86_400_000;
/** Only finished deliveries are recovered: an open one is still being delivered. */
export const RECOVERABLE_STATUSES = FINAL_STATUSES as readonly DeliveryStatus[];

const timestamp = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 timestamp, e.g. 2026-01-31T12:00:00Z' });

export const recoverSchema = z.strictObject({
  since: timestamp,
  until: timestamp.optional(),
  statuses: z.array(z.enum(RECOVERABLE_STATUSES as [DeliveryStatus, ...DeliveryStatus[]], {
    message: `must be one of: ${RECOVERABLE_STATUSES.join(', ')} (finished deliveries)`,
  })).min(1).max(RECOVERABLE_STATUSES.length * 4).default(['dead_lettered']),
}).transform((body, ctx) => {
  const now = new Date();
  const since = new Date(body.since);
  const until = body.until === undefined ? now : new Date(body.until);
  if (until.getTime() > now.getTime()) ctx.addIssue({ code: 'custom', path: ['until'], message: 'must not be in the future' });
  if (since.getTime() >= until.getTime()) {
    ctx.addIssue({ code: 'custom', path: [body.until === undefined ? 'since' : 'until'], message: 'the window must end after since' });
  } else if (until.getTime() - since.getTime() > MAX_RECOVERY_WINDOW_MS) {
    ctx.addIssue({ code: 'custom', path: ['since'], message: 'the window may cover at most 14 days' });
  }
  return { since, until, statuses: [...new Set(body.statuses)] };
});
export type RecoverBody = z.output<typeof recoverSchema>;

export const redeliverSchema = z.strictObject({
  webhook_ids: z.array(z.string().refine((value) => isId('wh', value), 'must be a webhook id (wh_…)')).min(1).max(100).optional(),
});
export type RedeliverBody = z.output<typeof redeliverSchema>;
