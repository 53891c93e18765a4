import { z } from 'zod';
import { EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES } from '../events/catalogue';
import { OPERATIONAL_KEY_PREFIX } from '../events/operationalData';
import { DELIVERY_STATUSES } from '../db/types';
import { MAX_URL_LENGTH } from '../security/urlPolicy';
import { customHeadersSchema } from './customHeaderSchema';
import { filterSchema } from './filterSchema';
import { formatDuration, parseDuration } from '../config';
import { ORDERINGS } from '../db/types';

/** The most a webhook's rate_limit_per_s may be. */
export const MAX_RATE_LIMIT_PER_S = 1000;

// Operational events can be subscribed to, not published: only the service sends them.
const eventType = z.enum(EVENT_TYPES, { message: `must be one of: ${EVENT_TYPES.join(', ')}` });
const subscribableEventType = z.enum(SUBSCRIBABLE_EVENT_TYPES, { message: `must be one of: ${SUBSCRIBABLE_EVENT_TYPES.join(', ')}` });

/** A duration query/body value: "90s", "15m", "1h", "7d" (the units of the configuration). */
const durationText = z.string().max(20).transform((text, ctx) => {
  try {
    return parseDuration(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** The longest wait of a retry_schedule, and how far ahead deliver_at may be. */
export const MAX_RETRY_WAIT_MS = 30 * 86_400_000;
export const MAX_RETRY_SCHEDULE_ENTRIES = 20;
export const MAX_DELIVER_AHEAD_MS = 30 * 86_400_000;
export const MAX_ORDERING_KEY_LENGTH = 128;

/** A webhook's own retry schedule: durations, each at least `minWaitMs` (1s in production). */
function retryScheduleSchema(minWaitMs: number) {
  const wait = durationText.pipe(z.number().min(minWaitMs, `must be at least ${formatDuration(minWaitMs)}`).max(MAX_RETRY_WAIT_MS, 'must be at most 30d'));
  return z.array(wait).max(MAX_RETRY_SCHEDULE_ENTRIES, `at most ${MAX_RETRY_SCHEDULE_ENTRIES} entries`).nullable()
    .describe('The waits before retries 1..n, e.g. ["1s","30s","5m"] (each 1s to 30d, at most 20; [] means no retry). Applies to deliveries created after the change; null or absent: the installation\'s schedule');
}

export function createWebhookSchema(maxConcurrency: number, minRetryWaitMs = 1000) {
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
    ordering: z.enum(ORDERINGS, { message: `must be one of: ${ORDERINGS.join(', ')}` }).optional()
      .describe('"fifo": each delivery is first sent only after the one ahead of it in its line (same ordering_key) finished; lines run side by side up to max_concurrency. Default "none"'),
    retry_schedule: retryScheduleSchema(minRetryWaitMs).optional(),
    filter: filterSchema.nullable().optional(),
  });
}
export type CreateWebhookBody = z.infer<ReturnType<typeof createWebhookSchema>>;

export function patchWebhookSchema(maxConcurrency: number, minRetryWaitMs = 1000) {
  return createWebhookSchema(maxConcurrency, minRetryWaitMs).partial().refine((body) => Object.keys(body).length > 0, {
    message: 'send at least one of: url, events, name, description, active, max_concurrency, rate_limit_per_s, headers, ordering, retry_schedule, filter',
  });
}
export type PatchWebhookBody = z.infer<ReturnType<typeof patchWebhookSchema>>;

export const publishEventSchema = z.strictObject({
  event: eventType,
  data: z.record(z.string(), z.unknown()),
  idempotency_key: z.string().min(1).max(255)
    .refine((key) => !key.startsWith(OPERATIONAL_KEY_PREFIX), { message: `keys starting with "${OPERATIONAL_KEY_PREFIX}" are reserved` })
    .optional(),
  ordering_key: z.string().min(1).max(MAX_ORDERING_KEY_LENGTH).optional()
    .describe('Its line on fifo webhooks: deliveries with the same key go in the order their events were accepted; absent: the webhook\'s single line'),
  deliver_at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-12-04T10:00:00Z' })
    .transform((text) => new Date(text))
    .refine((at) => at.getTime() <= Date.now() + MAX_DELIVER_AHEAD_MS, { message: 'must be at most 30 days ahead' })
    .optional()
    .describe('Nothing is sent before this time (at most 30 days ahead; a time past means at once)'),
});

/** A whole number written in plain decimal digits: "0x10", "1e2", " 5" and "5.0" are refused. */
const queryInt = (min: number, max: number) => z.string()
  .regex(/^\d{1,10}$/, 'must be a whole number in decimal digits')
  .transform(Number)
  .pipe(z.number().int().min(min).max(max));

/** The page size every list answers by default. */
export const DEFAULT_PAGE_LIMIT = 100;
/** The most webhooks one page of GET /webhooks holds. */
export const MAX_WEBHOOK_PAGE_LIMIT = 100;
/** The most deliveries one page of GET /webhooks/{id}/deliveries holds (documented since the first version). */
export const MAX_DELIVERY_PAGE_LIMIT = 1000;
export const MAX_PAGE_OFFSET = 1_000_000_000;

/** `limit` (1..maxLimit, default 100) and `offset` (default 0): the paging of every list route. */
export function pageQuery(maxLimit: number) {
  const limit = Math.min(DEFAULT_PAGE_LIMIT, maxLimit);
  return {
    limit: queryInt(1, maxLimit).default(limit).describe(`Items on this page: a whole number from 1 to ${maxLimit}, default ${limit}`),
    offset: queryInt(0, MAX_PAGE_OFFSET).default(0)
      .describe('Items skipped before this page: a whole number, default 0 (past the end: an empty page, with the total)'),
  };
}
export interface PageQuery {
  limit: number;
  offset: number;
}

export const listWebhooksQuery = z.object({
  active_only: z.enum(['true', 'false']).optional().transform((value) => value === 'true'),
  ...pageQuery(MAX_WEBHOOK_PAGE_LIMIT),
});
export type ListWebhooksQuery = z.infer<typeof listWebhooksQuery>;

export const listDeliveriesQuery = z.object({
  ...pageQuery(MAX_DELIVERY_PAGE_LIMIT),
  status: z.enum(DELIVERY_STATUSES, { message: `must be one of: ${DELIVERY_STATUSES.join(', ')}` }).optional(),
});
export type ListDeliveriesQuery = z.infer<typeof listDeliveriesQuery>;

export const MAX_TIMESERIES_WINDOW_MS = 7 * 86_400_000;
export const MIN_TIMESERIES_BUCKET_MS = 60_000;
export const MAX_TIMESERIES_BUCKETS = 500;

export const timeseriesQuery = z.object({
  window: durationText.prefault('24h')
    .pipe(z.number().min(MIN_TIMESERIES_BUCKET_MS, 'must be at least 1m').max(MAX_TIMESERIES_WINDOW_MS, 'must be at most 7d'))
    .describe('The span, ending with the bucket holding now: a duration such as 24h (at most 7d)'),
  bucket: durationText.prefault('1h').pipe(z.number().min(MIN_TIMESERIES_BUCKET_MS, 'must be at least 1m'))
    .describe('One bucket: a duration such as 1h (at least 1m), dividing the window into at most 500 buckets'),
}).superRefine((query, ctx) => {
  // Only when both are within their own bounds (a refused window is reported once, by itself).
  const inBounds = query.window <= MAX_TIMESERIES_WINDOW_MS && query.window >= MIN_TIMESERIES_BUCKET_MS && query.bucket >= MIN_TIMESERIES_BUCKET_MS;
  if (!inBounds) return;
  if (query.window % query.bucket !== 0) {
    ctx.addIssue({ code: 'custom', path: ['bucket'], message: 'must divide the window into whole buckets' });
  } else if (query.window / query.bucket > MAX_TIMESERIES_BUCKETS) {
    ctx.addIssue({ code: 'custom', path: ['bucket'], message: `window / bucket must be at most ${MAX_TIMESERIES_BUCKETS} buckets` });
  }
});
export type TimeseriesQuery = z.infer<typeof timeseriesQuery>;

export const DEFAULT_PORTAL_TTL_MS = 3_600_000;
export const MAX_PORTAL_TTL_MS = 86_400_000;

/** ttl: a duration string ("30m", "1h") or a number of seconds. */
const portalTtl = z.union([durationText, z.number().int().positive().transform((seconds) => seconds * 1000)])
  .pipe(z.number().min(1000, 'must be at least 1s').max(MAX_PORTAL_TTL_MS, 'must be at most 24h'));

export const createPortalSessionSchema = z.strictObject({
  webhook_ids: z.array(z.string().max(64)).min(1, 'omit webhook_ids for every webhook of the tenant').max(100)
    .transform((ids) => [...new Set(ids)]).optional().describe('The webhooks the token may see; omitted: every webhook of the tenant'),
  read_only: z.boolean().default(false).describe('Refuse every change (403 read_only)'),
  ttl: portalTtl.default(DEFAULT_PORTAL_TTL_MS).describe('A duration ("30m", "1h") or seconds; default 1h, at most 24h'),
});
export type CreatePortalSessionBody = z.infer<typeof createPortalSessionSchema>;
