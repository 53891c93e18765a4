import assert from 'node:assert/strict';
import Ajv2020 from 'ajv/dist/2020';
import { tableCounts } from '../helpers/rows';
import { Scenario } from '../helpers/scenario';
import { useTestStack, type ApiResponse } from '../helpers/system';
import { eventually } from '../helpers/wait';

/** The spec's own example data, copied from it (the types it shows a payload for). */
const SPEC_EXAMPLES: Record<string, Record<string, unknown>> = {
  'memory.created': { memory_id: 'mem_123', user_id: 'user_123', content_preview: 'First 100 chars...', memory_type: 'episodic', importance: 0.8, concepts: ['AI', 'consciousness'], session_id: 'sess_456' },
  'concept.discovered': { concept: 'Quantum Entanglement', description: 'A quantum phenomenon...', related_concepts: ['quantum mechanics', 'physics'], confidence: 0.95 },
  'sync.completed': { sync_id: 'sync_123', items_synced: 150, duration_ms: 2500, sync_type: 'full' },
  'quota.warning': { quota_type: 'memory_storage', current_usage: 8500, quota_limit: 10000, percentage_used: 85.0 },
};

/** At least two bad payloads per type, each with the path the 400 must name. */
const BAD_DATA: Array<[string, Record<string, unknown>, string]> = [
  ['memory.created', { importance: 0.5 }, 'body.data.memory_id'],
  ['memory.created', { memory_id: 'm', importance: 1.5 }, 'body.data.importance'],
  ['memory.created', { memory_id: 'm', concepts: 'AI' }, 'body.data.concepts'],
  ['memory.updated', { memory_id: 7 }, 'body.data.memory_id'],
  ['memory.updated', { memory_id: 'm', importance: 'high' }, 'body.data.importance'],
  ['memory.deleted', {}, 'body.data.memory_id'],
  ['memory.deleted', { memory_id: '' }, 'body.data.memory_id'],
  ['concept.discovered', { description: 'no name' }, 'body.data.concept'],
  ['concept.discovered', { concept: 'c', confidence: -0.1 }, 'body.data.confidence'],
  ['session.started', { user_id: 'u' }, 'body.data.session_id'],
  ['session.started', { session_id: ['s'] }, 'body.data.session_id'],
  ['session.ended', {}, 'body.data.session_id'],
  ['session.ended', { session_id: 's', duration_ms: -5 }, 'body.data.duration_ms'],
  ['sync.completed', { items_synced: 3 }, 'body.data.sync_id'],
  ['sync.completed', { sync_id: 's', items_synced: 1.5 }, 'body.data.items_synced'],
  ['sync.failed', { error: 'x' }, 'body.data.sync_id'],
  ['sync.failed', { sync_id: 's', error: 42 }, 'body.data.error'],
  ['user.created', {}, 'body.data.user_id'],
  ['user.created', { user_id: true }, 'body.data.user_id'],
  ['quota.warning', { current_usage: 1 }, 'body.data.quota_type'],
  ['quota.warning', { quota_type: 'q', percentage_used: -1 }, 'body.data.percentage_used'],
  ['quota.exceeded', { quota_type: 'q', quota_limit: 'lots' }, 'body.data.quota_limit'],
  ['quota.exceeded', {}, 'body.data.quota_type'],
];

function assertRefused(response: ApiResponse, field: string): void {
  assert.equal(response.status, 400, `${field}: ${JSON.stringify(response.body)}`);
  assert.equal(response.body.error.code, 'validation_error');
  const fields = (response.body.error.details as Array<{ field: string }>).map((d) => d.field);
  assert.ok(fields.includes(field), `details name ${field}: ${JSON.stringify(response.body.error.details)}`);
}

describe('event types: the catalogue, validated publishes and filtered subscriptions', function () {
  const ctx = useTestStack();
  let s: Scenario;
  before(function () {
    s = new Scenario(ctx.stack);
  });
  afterEach(async function () {
    await s.cleanup();
    ctx.receiver.requests.length = 0;
  });

  it('GET /event-types: the 11 types and the 4 operational ones, each schema valid for an independent validator, the examples passing it', async function () {
    const response = await ctx.stack.api('GET', '/event-types');
    assert.equal(response.status, 200);
    const types = response.body.data as Array<{ name: string; priority: string; operational: boolean; schema: object; example: object }>;
    assert.equal(types.filter((t) => !t.operational).length, 11);
    assert.deepEqual(types.filter((t) => t.operational).map((t) => t.name).sort(), ['delivery.dead_lettered', 'webhook.circuit_closed', 'webhook.circuit_opened', 'webhook.disabled']);
    assert.deepEqual(types.filter((t) => t.priority === 'high').map((t) => t.name), ['quota.warning', 'quota.exceeded']);
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    for (const type of types) {
      const validate = ajv.compile(type.schema);
      assert.ok(validate(type.example), `${type.name}'s example: ${JSON.stringify(validate.errors)}`);
      if (SPEC_EXAMPLES[type.name]) assert.ok(validate(SPEC_EXAMPLES[type.name]), `${type.name}: the spec's example passes`);
      if (!type.operational) assert.equal(validate({}), false, `${type.name} requires its identifying field`);
    }
    const memory = types.find((t) => t.name === 'memory.created')?.schema as { required: string[]; properties: Record<string, { maximum?: number }> };
    assert.deepEqual([memory.required, memory.properties.importance.maximum], [['memory_id'], 1]);
    const doc = (await ctx.stack.api('GET', '/openapi.json')).body;
    assert.deepEqual(doc.components.schemas.MemoryCreatedData.required, ['memory_id'], 'the OpenAPI document has each type\'s data schema');
  });

  it('a publish whose data breaks its type\'s schema answers 400 naming the path, and stores nothing', async function () {
    await s.webhook(ctx.receiver);
    const counts = await tableCounts(ctx.stack.system.db);
    for (const [event, data, field] of BAD_DATA) assertRefused(await ctx.stack.api('POST', '/events', { event, data }), field);
    assert.deepEqual(await tableCounts(ctx.stack.system.db), counts, 'no row written');
    for (const [event, data] of Object.entries(SPEC_EXAMPLES)) assert.equal((await ctx.stack.api('POST', '/events', { event, data })).status, 202, event);
  });

  it('a filtered webhook receives exactly the matching events; the others create no delivery', async function () {
    const filter = { 'data.memory_type': 'episodic', 'data.importance': { $gte: 0.7 } };
    const filtered = await s.webhook(ctx.receiver, { filter });
    assert.deepEqual((await ctx.stack.api('GET', `/webhooks/${filtered}`)).body.filter, filter);
    const events = [
      { memory_id: 'keep_1', memory_type: 'episodic', importance: 0.9 },
      { memory_id: 'drop_1', memory_type: 'semantic', importance: 0.9 },
      { memory_id: 'drop_2', memory_type: 'episodic', importance: 0.2 },
      { memory_id: 'drop_3' },
      { memory_id: 'keep_2', memory_type: 'episodic', importance: 0.7, extra: { nested: true } },
    ];
    const published = [];
    for (const data of events) published.push((await ctx.stack.api('POST', '/events', { event: 'memory.created', data })).body);
    assert.deepEqual(published.map((p) => p.delivery_ids.length), [1, 0, 0, 0, 1], 'delivery_ids list only real deliveries');
    await eventually('both delivered', async () => ctx.receiver.requests.length === 2);
    const received = ctx.receiver.requests.map((r) => JSON.parse(r.body).data.memory_id).sort();
    assert.deepEqual(received, ['keep_1', 'keep_2']);
    assert.equal((await ctx.stack.api('GET', `/webhooks/${filtered}/stats`)).body.total_deliveries, 2);

    // PATCH filter: null: every event of its types again.
    assert.equal((await ctx.stack.api('PATCH', `/webhooks/${filtered}`, { filter: null })).body.filter, null);
    assert.equal((await ctx.stack.api('POST', '/events', { event: 'memory.created', data: { memory_id: 'any' } })).body.delivery_ids.length, 1);
  });

  it('refuses an unknown operator, $where, too deep or too big a filter with a 400 naming the path, storing nothing', async function () {
    const webhookId = await s.webhook(ctx.receiver, { filter: { event: 'memory.created' } });
    const row = () => ctx.stack.system.db('webhooks').where({ id: webhookId }).first();
    const [before, counts] = [await row(), await tableCounts(ctx.stack.system.db)];
    let deep: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < 9; i++) deep = { x: deep };
    const refused: Array<[unknown, string]> = [
      [{ 'data.content_preview': { $regex: '^AI' } }, 'body.filter.data.content_preview.$regex'],
      [{ $where: 'sleep(1000)' }, 'body.filter.$where'],
      [{ data: deep }, 'body.filter'],
      [{ 'data.memory_id': { $in: Array.from({ length: 500 }, (_, i) => `mem_${i}`) } }, 'body.filter'],
      [{ tenant_id: 'other' }, 'body.filter.tenant_id'],
      ['event = memory.created', 'body.filter'],
    ];
    for (const [filter, field] of refused) {
      assertRefused(await ctx.stack.api('POST', '/webhooks', { url: ctx.receiver.url, events: ['memory.created'], name: 'refused', filter }), field);
      assertRefused(await ctx.stack.api('PATCH', `/webhooks/${webhookId}`, { filter }), field);
    }
    assert.deepEqual(await tableCounts(ctx.stack.system.db), counts, 'no row written');
    assert.deepEqual(await row(), before, 'the webhook is unchanged');
  });

  it('POST /webhooks/{id}/filter/test says whether a sample matches, and which condition fails first', async function () {
    const filter = { event: 'memory.created', 'data.importance': { $gte: 0.7 }, 'data.concepts': { $in: ['AI'] } };
    const webhookId = await s.webhook(ctx.receiver, { filter });
    const test = (body: object) => ctx.stack.api('POST', `/webhooks/${webhookId}/filter/test`, body);
    const hit = await test({ event: 'memory.created', data: { memory_id: 'm', importance: 0.8, concepts: ['AI', 'ethics'] } });
    assert.deepEqual(hit.body, { filter, matches: true, failed: null });
    const miss = await test({ event: 'memory.created', data: { memory_id: 'm', importance: 0.3, concepts: ['physics'] } });
    assert.deepEqual([miss.body.matches, miss.body.failed], [false, { path: 'data.importance', condition: { $gte: 0.7 }, actual: 0.3 }]);
    assertRefused(await test({ event: 'memory.exploded', data: {} }), 'body.event');
    assert.equal(ctx.receiver.requests.length, 0, 'a test sends nothing');
  });
});
