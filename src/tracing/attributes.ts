// The names on our spans (docs/tracing.md). Plain data, importing nothing: the workflow
// interceptor module (bundled with the workflows) uses it too.

/** Span attribute keys. Ids, the event type, counts and status codes only: never a secret, a header value, a URL or a payload. */
export const ATTR = {
  tenantId: 'continuum.tenant_id',
  webhookId: 'continuum.webhook_id',
  deliveryId: 'continuum.delivery_id',
  eventId: 'continuum.event_id',
  eventType: 'continuum.event_type',
  deliveryCount: 'continuum.delivery_count',
  attemptNumber: 'continuum.attempt_number',
  attemptTrigger: 'continuum.attempt_trigger',
  replayed: 'continuum.idempotent_replay',
  method: 'http.request.method',
  route: 'http.route',
  statusCode: 'http.response.status_code',
  errorType: 'error.type',
} as const;

export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/**
 * Workflow types whose runs are traced: the delivery workflow. Endpoint and recovery workflows
 * are long-lived (a circuit's periods, batches); a span of theirs would last hours and join
 * unrelated deliveries.
 */
export const TRACED_WORKFLOW_TYPES: readonly string[] = ['deliveryWorkflowV3'];

/** A delivery workflow's ids from its input (DeliveryWorkflowInput), as span attributes. */
export function deliveryWorkflowAttributes(input: unknown): SpanAttributes {
  const { deliveryId, tenantId, webhookId } = (input ?? {}) as { deliveryId?: unknown; tenantId?: unknown; webhookId?: unknown };
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return { [ATTR.deliveryId]: text(deliveryId), [ATTR.tenantId]: text(tenantId), [ATTR.webhookId]: text(webhookId) };
}
