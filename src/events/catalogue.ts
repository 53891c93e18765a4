/** The 11 event types a tenant can publish and subscribe to. */
export const EVENT_TYPES = [
  'memory.created',
  'memory.updated',
  'memory.deleted',
  'concept.discovered',
  'session.started',
  'session.ended',
  'sync.completed',
  'sync.failed',
  'user.created',
  'quota.warning',
  'quota.exceeded',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Events the service itself sends about a tenant's webhooks (see operational.ts): subscribable
 * like the others, never publishable through the API (a producer must not forge them).
 */
export const OPERATIONAL_EVENT_TYPES = [
  'webhook.circuit_opened',
  'webhook.circuit_closed',
  'webhook.disabled',
  'delivery.dead_lettered',
] as const;

export type OperationalEventType = (typeof OPERATIONAL_EVENT_TYPES)[number];

/** What a webhook may subscribe to: the published types and the operational ones. */
export const SUBSCRIBABLE_EVENT_TYPES = [...EVENT_TYPES, ...OPERATIONAL_EVENT_TYPES] as const;

export function isOperationalEventType(type: string): type is OperationalEventType {
  return (OPERATIONAL_EVENT_TYPES as readonly string[]).includes(type);
}

/** Sent only by POST /webhooks/{id}/test; not publishable, not subscribable. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** Served before other waiting deliveries when an endpoint is congested. */
export const HIGH_PRIORITY_EVENTS: ReadonlySet<string> = new Set(['quota.warning', 'quota.exceeded']);

