import { z } from 'zod';
import type { EventType } from './catalogue';

// The `data` of each publishable event type, one zod schema each: publish validates with it,
// and GET /event-types, the OpenAPI document and the dashboard show its JSON Schema (zod's own
// output). Where the spec shows a payload, its identifying field is required and every shown
// field is typed; other fields are allowed, so producers can add context without a schema change.

const id = (description: string) => z.string().min(1).max(256).describe(description);
const score = (description: string) => z.number().min(0).max(1).describe(description);
const count = (description: string) => z.number().int().nonnegative().describe(description);

const memory = z.looseObject({
  memory_id: id('the memory'),
  user_id: id('its owner').optional(),
  content_preview: z.string().max(1000).describe('the start of its content').optional(),
  memory_type: z.string().max(64).describe('e.g. episodic, semantic').optional(),
  importance: score('0 (trivial) to 1 (essential)').optional(),
  concepts: z.array(z.string().max(256)).max(1000).describe('concepts it mentions').optional(),
  session_id: id('the session it came from').optional(),
});

const session = z.looseObject({
  session_id: id('the session'),
  user_id: id('whose session').optional(),
  duration_ms: count('how long it lasted (session.ended)').optional(),
});

const sync = z.looseObject({
  sync_id: id('the sync run'),
  items_synced: count('items written').optional(),
  duration_ms: z.number().nonnegative().describe('how long it took').optional(),
  sync_type: z.string().max(64).describe('e.g. full, incremental').optional(),
});

const quota = z.looseObject({
  quota_type: id('which quota, e.g. memory_storage'),
  current_usage: z.number().nonnegative().describe('usage now').optional(),
  quota_limit: z.number().nonnegative().describe('the limit').optional(),
  percentage_used: z.number().nonnegative().describe('usage as a percentage of the limit (may pass 100)').optional(),
});

interface EventTypeEntry {
  description: string;
  data: z.ZodType<Record<string, unknown>>;
  /** Data that passes `data`: the spec's own example where it shows one. */
  example: Record<string, unknown>;
}

const memoryExample = {
  memory_id: 'mem_123', user_id: 'user_123', content_preview: 'First 100 chars...', memory_type: 'episodic',
  importance: 0.8, concepts: ['AI', 'consciousness'], session_id: 'sess_456',
};
const quotaExample = { quota_type: 'memory_storage', current_usage: 8500, quota_limit: 10000, percentage_used: 85.0 };

export const EVENT_CATALOGUE: Record<EventType, EventTypeEntry> = {
  'memory.created': { description: 'New memory stored', data: memory, example: memoryExample },
  'memory.updated': { description: 'Memory modified', data: memory, example: { ...memoryExample, importance: 0.9 } },
  'memory.deleted': { description: 'Memory removed', data: z.looseObject({ memory_id: id('the memory'), user_id: id('its owner').optional() }), example: { memory_id: 'mem_123' } },
  'concept.discovered': {
    description: 'New concept extracted',
    data: z.looseObject({
      concept: z.string().min(1).max(1000).describe('its name'),
      description: z.string().max(10_000).optional(),
      related_concepts: z.array(z.string().max(1000)).max(1000).optional(),
      confidence: score('0 to 1').optional(),
    }),
    example: { concept: 'Quantum Entanglement', description: 'A quantum phenomenon...', related_concepts: ['quantum mechanics', 'physics'], confidence: 0.95 },
  },
  'session.started': { description: 'User session begins', data: session, example: { session_id: 'sess_456', user_id: 'user_123' } },
  'session.ended': { description: 'User session ends', data: session, example: { session_id: 'sess_456', user_id: 'user_123', duration_ms: 1_800_000 } },
  'sync.completed': { description: 'Memory sync successful', data: sync, example: { sync_id: 'sync_123', items_synced: 150, duration_ms: 2500, sync_type: 'full' } },
  'sync.failed': {
    description: 'Memory sync failed',
    data: sync.extend({ error: z.string().max(10_000).describe('what went wrong').optional() }),
    example: { sync_id: 'sync_124', sync_type: 'incremental', error: 'remote store unreachable' },
  },
  'user.created': {
    description: 'New user registered',
    data: z.looseObject({ user_id: id('the user'), email: z.string().max(320).optional() }),
    example: { user_id: 'user_123' },
  },
  'quota.warning': { description: 'Approaching quota limits (high priority)', data: quota, example: quotaExample },
  'quota.exceeded': { description: 'Quota limits exceeded (high priority)', data: quota, example: { ...quotaExample, current_usage: 10_200, percentage_used: 102.0 } },
};

/** Publish validates `data` with these. */
export const EVENT_DATA_SCHEMAS = Object.fromEntries(Object.entries(EVENT_CATALOGUE).map(([type, entry]) => [type, entry.data])) as Record<EventType, z.ZodType<Record<string, unknown>>>;

/** The JSON Schema (draft 2020-12) of a type's data, as zod writes it. */
export function dataJsonSchema(type: EventType): Record<string, unknown> {
  return z.toJSONSchema(EVENT_CATALOGUE[type].data, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
}
