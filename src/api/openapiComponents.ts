// Response and event shapes the OpenAPI document describes beside the request schemas (which
// come from zod): the webhook as the API shows it, and the `data` of each operational event.
import { SUBSCRIBABLE_EVENT_TYPES } from '../events/catalogue';

const str = { type: 'string' };
const time = { type: 'string', format: 'date-time' };
const nullable = (schema: Record<string, unknown>, description?: string) => ({
  ...schema, type: [schema.type as string, 'null'], ...(description ? { description } : {}),
});
const object = (properties: Record<string, object>, description: string) => ({
  type: 'object', description, required: Object.keys(properties), properties,
});

const aboutWebhook = { webhook_id: str, webhook_name: str, webhook_url: str };

export const RESPONSE_COMPONENTS = {
  Webhook: {
    type: 'object',
    properties: {
      id: str,
      url: str,
      events: { type: 'array', items: { type: 'string', enum: [...SUBSCRIBABLE_EVENT_TYPES] } },
      name: str,
      description: nullable(str),
      active: { type: 'boolean' },
      disabled_reason: nullable(str, 'Why the webhook was disabled automatically, e.g. "circuit_open_since 2026-01-01T00:00:00.000Z"; '
        + 'null unless it was (a manual PATCH active=false leaves it null). PATCH {"active": true} clears it.'),
      disabled_at: nullable(time, 'When it was disabled automatically; null otherwise; cleared by PATCH {"active": true}.'),
      max_concurrency: { type: 'integer' },
      created_at: time,
      updated_at: time,
      secret: { type: 'string', description: 'In full on create and rotate only; masked otherwise' },
      circuit: { type: 'object', description: 'GET only: {state, consecutive_failures, opened_at, half_open_at, in_flight, queued}' },
    },
  },
  WebhookCircuitOpenedData: object({
    ...aboutWebhook, state: { type: 'string', enum: ['open', 'half_open'] }, opened_at: time, consecutive_failures: { type: 'integer' },
  }, 'data of webhook.circuit_opened: once per open period (failed half-open probes do not send it again)'),
  WebhookCircuitClosedData: object({
    ...aboutWebhook, opened_at: time, closed_at: time, open_seconds: { type: 'integer' },
  }, 'data of webhook.circuit_closed: the open period that ended'),
  WebhookDisabledData: object({
    ...aboutWebhook, reason: str, disabled_at: time, circuit_open_since: time, cancelled_deliveries: { type: 'integer' },
  }, 'data of webhook.disabled: the circuit had not closed for CONTINUUM_AUTO_DISABLE_AFTER'),
  DeliveryDeadLetteredData: object({
    ...aboutWebhook, delivery_id: str, event_id: str, event_type: str, attempt_count: { type: 'integer' },
    last_status_code: nullable({ type: 'integer' }), last_error: nullable(str), dead_lettered_at: time,
  }, 'data of delivery.dead_lettered (never sent about a delivery of an operational event or of webhook.test)'),
};

/** The documented 2XX body of a route, by route key. */
export const RESPONSE_OF: Record<string, keyof typeof RESPONSE_COMPONENTS> = {
  'POST /api/v1/webhooks': 'Webhook',
  'GET /api/v1/webhooks/{webhookId}': 'Webhook',
  'PATCH /api/v1/webhooks/{webhookId}': 'Webhook',
};
