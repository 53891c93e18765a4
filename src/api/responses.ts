import { z } from 'zod';
import { DELIVERY_STATUSES } from '../../workflows/statuses';
import { SUBSCRIBABLE_EVENT_TYPES } from '../events/catalogue';
import { ORDERINGS } from '../db/types';

/**
 * Every JSON body the API answers with, as zod schemas. The OpenAPI document is generated from
 * them, the tests parse real responses with them, and the typed client's types are inferred
 * from them (z.infer), so the three can't drift apart. Objects are not strict: a client keeps
 * working when a later version adds a field; the tests check that no field goes undocumented.
 */

const timestamp = z.iso.datetime({ offset: true });
const count = z.number().int().min(0);

export const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown() }),
});

export const circuitState = z.enum(['closed', 'open', 'half_open']);

export const webhook = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.enum(SUBSCRIBABLE_EVENT_TYPES)),
  name: z.string(),
  description: z.string().nullable(),
  active: z.boolean(),
  disabled_reason: z.string().nullable().describe('Why the webhook was disabled automatically, e.g. "circuit_open_since 2026-01-01T00:00:00.000Z", '
    + 'or "gone: the endpoint answered 410" (a 410 Gone disables it at once); '
    + 'null unless it was (a manual PATCH active=false leaves it null). PATCH {"active": true} clears it.'),
  disabled_at: timestamp.nullable().describe('When it was disabled automatically; null otherwise; cleared by PATCH {"active": true}'),
  max_concurrency: z.number().int().min(1),
  rate_limit_per_s: z.number().int().min(1).max(1000).nullable().describe('Permits granted per second at most (token bucket, burst of one second); null: no limit'),
  headers: z.record(z.string(), z.string()).describe('Custom headers sent on every attempt, by name; values always masked'),
  ordering: z.enum(ORDERINGS).describe('"fifo": deliveries go in order within each ordering_key\'s line (see docs/delivery.md, "Ordered delivery"); "none": no order'),
  retry_schedule: z.array(z.string()).nullable().describe('Its own waits before retries 1..n (e.g. ["1s","5m"]), for deliveries created since it was set; null: the installation\'s schedule'),
  filter: z.record(z.string(), z.unknown()).nullable().describe('Conditions on the event body an event must meet to be delivered here; null: every event of its types'),
  created_at: timestamp,
  updated_at: timestamp,
  secret: z.string().describe('The full secret on create and rotate only; masked otherwise'),
});

export const circuit = z.object({
  state: circuitState,
  consecutive_failures: count,
  opened_at: timestamp.nullable(),
  half_open_at: timestamp.nullable(),
  in_flight: count,
  queued: count,
});

export const webhookWithCircuit = webhook.extend({ circuit });
/** One page of a list: `total` counts every item matching the query, not only this page's. */
const page = <T extends z.ZodType>(item: T) => z.object({
  data: z.array(item), total: count, limit: z.number().int().min(1), offset: count,
});

export const webhookList = page(webhook);
export const rotatedWebhook = webhook.extend({ previous_secret_expires_at: timestamp });

export const deliveryStatus = z.enum(DELIVERY_STATUSES);

export const delivery = z.object({
  id: z.string(),
  webhook_id: z.string(),
  event_id: z.string(),
  event: z.string().optional().describe('The event type (in lists of a webhook\'s deliveries)'),
  status: deliveryStatus,
  attempt_count: count,
  next_attempt_at: timestamp.nullable(),
  last_status_code: z.number().int().nullable(),
  error_message: z.string().nullable(),
  ordering_key: z.string().nullable().describe('The line it belongs to on a fifo webhook (null: the webhook\'s single line)'),
  deliver_at: timestamp.nullable().describe('Not sent before this (publish\'s deliver_at); null: at once'),
  waiting_for: z.string().nullable().describe('On a fifo webhook, the delivery just ahead in its line that has not finished: this one waits for it; null otherwise'),
  created_at: timestamp,
  completed_at: timestamp.nullable(),
});

export const attempt = z.object({
  attempt_number: z.number().int().min(1),
  started_at: timestamp,
  duration_ms: z.number().min(0),
  status_code: z.number().int().nullable(),
  error_message: z.string().nullable(),
  response_body: z.string().nullable().describe('The first 1 KiB of the response'),
  trigger: z.enum(['scheduled', 'manual', 'test', 'recovery']),
});

export const deliveryList = page(delivery);
export const deliveryDetail = delivery.extend({ attempts: z.array(attempt) });

export const webhookStats = z.object({
  total_deliveries: count,
  successful_deliveries: count,
  failed_deliveries: count,
  success_rate: z.number().min(0).max(100),
  avg_duration_ms: z.number().min(0),
  last_24h_deliveries: count,
  last_24h_success_rate: z.number().min(0).max(100),
});

export const timeseriesBucket = z.object({
  start: timestamp,
  deliveries: count.describe('Deliveries created in this bucket'),
  succeeded: count.describe('…of which succeeded'),
  failed: count.describe('…of which were dead-lettered'),
  pending: count.describe('…of which are not final yet (pending, in flight, retrying, waiting for the circuit)'),
  cancelled: count.describe('…of which were cancelled (webhook deleted or deactivated)'),
  attempts: count.describe('Attempts started in this bucket'),
  failed_attempts: count.describe('…of which failed'),
  avg_duration_ms: z.number().min(0).describe('Mean duration of those attempts; 0 without attempts'),
  p95_duration_ms: z.number().min(0).describe('95th percentile of their durations; 0 without attempts'),
});

export const timeseries = z.object({
  webhook_id: z.string(),
  window: z.string(),
  bucket: z.string(),
  start: timestamp,
  end: timestamp,
  buckets: z.array(timeseriesBucket).describe('Oldest first, every bucket present (zeros when empty)'),
});

export const retryAccepted = z.object({
  delivery_id: z.string(),
  webhook_id: z.string(),
  status: z.literal('pending'),
  previous_status: deliveryStatus,
  attempt_count: count,
});

export const circuitReset = z.object({ circuit });

export const testResult = z.object({
  delivery_id: z.string(),
  event_id: z.string(),
  status: deliveryStatus,
  success: z.boolean().nullable().describe('null while the attempt has not ended (202)'),
  status_code: z.number().int().nullable(),
  duration_ms: z.number().min(0).nullable(),
  error: z.string().nullable(),
});

export const event = z.object({
  id: z.string(),
  event: z.string(),
  data: z.record(z.string(), z.unknown()),
  idempotency_key: z.string().nullable(),
  created_at: timestamp,
});
export const publishedEvent = event.extend({ delivery_ids: z.array(z.string()) });
export const eventDetail = event.extend({ deliveries: z.array(delivery) });

const dependencyStatus = z.object({
  status: z.enum(['up', 'down']),
  since: timestamp.nullable().describe('When it last went up or down (while down: since when it has been down)'),
  checked_at: timestamp.nullable().describe('When it was last checked'),
});

export const health = z.object({
  status: z.enum(['healthy', 'degraded']),
  database: z.enum(['up', 'down']),
  temporal: z.enum(['up', 'down']),
  queue_depth: count.nullable(),
  oldest_pending_seconds: z.number().min(0).nullable(),
  open_circuits: count.nullable(),
  dependencies: z.object({
    database: dependencyStatus,
    temporal: dependencyStatus,
  }).describe('Each dependency as the background checks last found it'),
});

export const session = z.object({
  kind: z.enum(['api_key', 'portal']),
  tenant_id: z.string(),
  read_only: z.boolean(),
  webhook_ids: z.array(z.string()).nullable().describe('The webhooks in scope; null: every webhook of the tenant'),
  expires_at: timestamp.nullable(),
  portal_session_id: z.string().nullable(),
});

export const portalSession = z.object({
  id: z.string(),
  url: z.string().describe('The portal link: the dashboard with the token in the fragment'),
  token: z.string().describe('cpt_…: shown once, stored only as its SHA-256'),
  expires_at: timestamp,
  read_only: z.boolean(),
  webhook_ids: z.array(z.string()).nullable(),
  created_at: timestamp,
});

export type ErrorBody = z.infer<typeof errorBody>;
export type Webhook = z.infer<typeof webhook>;
export type Circuit = z.infer<typeof circuit>;
export type WebhookWithCircuit = z.infer<typeof webhookWithCircuit>;
export type WebhookList = z.infer<typeof webhookList>;
export type RotatedWebhook = z.infer<typeof rotatedWebhook>;
export type Delivery = z.infer<typeof delivery>;
export type Attempt = z.infer<typeof attempt>;
export type DeliveryList = z.infer<typeof deliveryList>;
export type DeliveryDetail = z.infer<typeof deliveryDetail>;
export type WebhookStats = z.infer<typeof webhookStats>;
export type TimeseriesBucket = z.infer<typeof timeseriesBucket>;
export type Timeseries = z.infer<typeof timeseries>;
export type RetryAccepted = z.infer<typeof retryAccepted>;
export type CircuitReset = z.infer<typeof circuitReset>;
export type TestResult = z.infer<typeof testResult>;
export type Event = z.infer<typeof event>;
export type PublishedEvent = z.infer<typeof publishedEvent>;
export type EventDetail = z.infer<typeof eventDetail>;
export type Health = z.infer<typeof health>;
export type Session = z.infer<typeof session>;
export type PortalSession = z.infer<typeof portalSession>;

export const eventTypeList = z.object({
  data: z.array(z.object({
    name: z.string(),
    description: z.string(),
    priority: z.enum(['high', 'normal']).describe('high: served before other waiting deliveries of a congested endpoint'),
    operational: z.boolean().describe('sent by the service itself about a tenant\'s webhooks: subscribable, never publishable'),
    schema: z.record(z.string(), z.unknown()).describe('JSON Schema (draft 2020-12) of the event\'s data'),
    example: z.record(z.string(), z.unknown()).describe('data that passes the schema'),
  })),
});

export const filterTestResult = z.object({
  filter: z.record(z.string(), z.unknown()).nullable().describe('the webhook\'s filter; null: it has none, so every event of its types matches'),
  matches: z.boolean(),
  failed: z.object({
    path: z.string().describe('where the condition is in the filter, e.g. "data.importance" or "$and.1.event"'),
    condition: z.unknown().describe('the condition as written'),
    actual: z.unknown().optional().describe('the value the event has there (absent: the field is missing)'),
  }).nullable().describe('the first condition the event fails, in the filter\'s order; null when it matches'),
});
export type EventTypeList = z.infer<typeof eventTypeList>;
export type FilterTestResult = z.infer<typeof filterTestResult>;
