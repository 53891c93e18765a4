import { z } from 'zod';

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

const id = z.string().min(1).max(256);
const score = z.number().min(0).max(1);

// Where the spec shows a payload, its identifying field is required and every shown field is
// type-checked; other fields are allowed, so producers can add context without a schema change.
const memory = z.looseObject({
  memory_id: id,
  user_id: id.optional(),
  content_preview: z.string().max(1000).optional(),
  memory_type: z.string().max(64).optional(),
  importance: score.optional(),
  concepts: z.array(z.string().max(256)).max(1000).optional(),
  session_id: id.optional(),
});

const quota = z.looseObject({
  quota_type: id,
  current_usage: z.number().nonnegative().optional(),
  quota_limit: z.number().nonnegative().optional(),
  percentage_used: z.number().nonnegative().optional(),
});

const anyObject = z.looseObject({});

export const EVENT_DATA_SCHEMAS: Record<EventType, z.ZodType<Record<string, unknown>>> = {
  'memory.created': memory,
  'memory.updated': memory,
  'memory.deleted': z.looseObject({ memory_id: id }),
  'concept.discovered': z.looseObject({
    concept: z.string().min(1).max(1000),
    description: z.string().max(10_000).optional(),
    related_concepts: z.array(z.string().max(1000)).max(1000).optional(),
    confidence: score.optional(),
  }),
  'session.started': anyObject,
  'session.ended': anyObject,
  'sync.completed': z.looseObject({
    sync_id: id,
    items_synced: z.number().int().nonnegative().optional(),
    duration_ms: z.number().nonnegative().optional(),
    sync_type: z.string().max(64).optional(),
  }),
  'sync.failed': anyObject,
  'user.created': anyObject,
  'quota.warning': quota,
  'quota.exceeded': quota,
};
