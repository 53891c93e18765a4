// The `data` of each operational event, which the OpenAPI document lists beside the response
// bodies (those come from the zod schemas in responses.ts).

const str = { type: 'string' };
const time = { type: 'string', format: 'date-time' };
const nullable = (schema: Record<string, unknown>, description?: string) => ({
  ...schema, type: [schema.type as string, 'null'], ...(description ? { description } : {}),
});
const object = (properties: Record<string, object>, description: string) => ({
  type: 'object', description, required: Object.keys(properties), properties,
});

/** The object with more properties that are not required. */
const withOptional = (schema: ReturnType<typeof object>, properties: Record<string, object>) => ({
  ...schema, properties: { ...schema.properties, ...properties },
});

const aboutWebhook = { webhook_id: str, webhook_name: str, webhook_url: str };

/** The `data` of each operational event (delivered like any event; listed for receivers). */
export const OPERATIONAL_EVENT_COMPONENTS = {
  WebhookCircuitOpenedData: object({
    ...aboutWebhook, state: { type: 'string', enum: ['open', 'half_open'] }, opened_at: time, consecutive_failures: { type: 'integer' },
  }, 'data of webhook.circuit_opened: once per open period (failed half-open probes do not send it again)'),
  WebhookCircuitClosedData: object({
    ...aboutWebhook, opened_at: time, closed_at: time, open_seconds: { type: 'integer' },
  }, 'data of webhook.circuit_closed: the open period that ended'),
  WebhookDisabledData: withOptional(object({
    ...aboutWebhook, reason: str, disabled_at: time,
    circuit_open_since: nullable(time, 'the open period that disabled it; null when a 410 Gone did'), cancelled_deliveries: { type: 'integer' },
  }, 'data of webhook.disabled: the circuit had not closed for CONTINUUM_AUTO_DISABLE_AFTER, or the endpoint answered 410 Gone'), {
    delivery_id: { ...str, description: 'the delivery that got the 410 (only then)' },
  }),
  DeliveryDeadLetteredData: object({
    ...aboutWebhook, delivery_id: str, event_id: str, event_type: str, attempt_count: { type: 'integer' },
    last_status_code: nullable({ type: 'integer' }), last_error: nullable(str), dead_lettered_at: time,
  }, 'data of delivery.dead_lettered (never sent about a delivery of an operational event or of webhook.test)'),
};
