import { z } from 'zod';
import { EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES } from '../events/catalogue';
import { OPERATIONAL_KEY_PREFIX } from '../events/operationalData';
import { DELIVERY_STATUSES } from '../db/types';
import { MAX_URL_LENGTH } from '../security/urlPolicy';
import { customHeadersSchema } from './customHeaderSchema';

/** The most a webhook's rate_limit_per_s may be. */
export const MAX_RATE_LIMIT_PER_S = 1000;

// Operational events can be subscribed to, not published: only the service sends them.
const eventType = z.enum(EVENT_TYPES, { message: `must be one of: ${EVENT_TYPES.join(', ')}` });
const subscribableEventType = z.enum(SUBSCRIBABLE_EVENT_TYPES, { message: `must be one of: ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}` });

export function createWebhookSchema(maxConcurrency: number) {
  return z.strictObject({
    url: z.string().min(1).max(MAX_URL_LENGTH),
    events: z.array(subscribableEventType).min(1, 'subscribe to at least one event type').max(SUBSCRIBABLE_EVENT_TYPES.length * 4)
      .transform((events) => [...new Set(events)]),
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).nullable().optional(),
    active: z.boolean().optional(),
    max_concurrency: z.number().int().min(1).max(maxConcurrency).optional(),
    rate_limit_per_s: z.number().int().min(1).max(MAX_RATE_LIMIT_PER_S).nullable().optional()
      .describe('Permits per second the endpoint grants at most (a token bucket holding one second of them; sends leave at least 1/rate apart); null or absent: no rate limit'),
    headers: customHeadersSchema.nullable().optional(),
  });
}
export type CreateWebhookBody = z.infer<ReturnType<typeof createWebhookSchema>>;

export function patchWebhookSchema(maxConcurrency: number) {
  return createWebhookSchema(maxConcurrency).partial().refine((body) => Object.keys(body).length > 0, {
    message: 'send at least one of: url, events, name, description, active, max_concurrency, rate_limit_per_s, headers',
  });
}
export type PatchWebhookBody = z.infer<ReturnType<typeof patchWebhookSchema>>;

export const publishEventSchema = z.strictObject({
  event: eventType,
  data: z.record(z.string(), z.unknown()),
  idempotency_key: z.string().min(1).max(255)
    .refine((key) => !key.startsWith(OPERATIONAL_KEY_PREFIX), { message: `keys starting with "${OPERATIONAL_KEY_PREFIX}" are reserved` })
    .optional(),
});

export const listWebhooksQuery = z.object({
  active_only: z.enum(['true', 'false']).optional().transform((value) => value === 'true'),
});

/** A whole number written in plain decimal digits: "0x10", "1e2", " 5" and "5.0" are refused. */
const queryInt = (min: number, max: number) => z.string()
  .regex(/^\d{1,10}$/, 'must be a whole number in decimal digits')
  .transform(Number)
  .pipe(z.number().int().min(min).max(max));

export const listDeliveriesQuery = z.object({
  limit: queryInt(1, 1000).default(100),
  offset: queryInt(0, 1_000_000_000).default(0),
  status: z.enum(DELIVERY_STATUSES, { message: `must be one of: ${DELIVERY_STATUSES.join(', ')}` }).optional(),
});
export type ListDeliveriesQuery = z.infer<typeof listDeliveriesQuery>;
