import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createApiKey } from '../../src/db/repositories/apiKeys';
import { Receiver } from '../helpers/receiver';
import { tableCounts } from '../helpers/rows';
import { useTestStack, type ApiResponse, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';

const exec = promisify(execFile);
const CLI = path.resolve(__dirname, '../../src/cli/index.js');
const HOUR = 3_600_000;

describe('redeliver an event; bad input to the recovery routes', function () {
  const ctx = useTestStack();
  let stack: TestSystem;
  let receiver: Receiver;
  const hooks: Record<'a' | 'b' | 'other' | 'inactive', string> = { a: '', b: '', other: '', inactive: '' };
  let eventId: string;
  let otherTenantKey: string;
  let otherTenantWebhook: string;

  const create = async (name: string, events: string[], extra: Record<string, unknown> = {}, key?: string) => {
    const created = await stack.api('POST', '/webhooks', { url: receiver.url, events, name, ...extra }, { key });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  };

  before(async function () {
    ({ stack, receiver } = ctx);
    hooks.a = await create('a', ['memory.created']);
    hooks.b = await create('b', ['memory.created', 'user.created']);
    hooks.other = await create('other', ['user.created']);
    hooks.inactive = await create('inactive', ['memory.created'], { active: false });
    otherTenantKey = (await createApiKey(stack.system.db, { tenantId: 'tenant_b' })).key;
    otherTenantWebhook = await create('theirs', ['memory.created'], {}, otherTenantKey);
    const published = await stack.api('POST', '/events', { event: 'memory.created', data: { memory_id: 'mem_1' } });
    assert.equal(published.status, 202);
    eventId = published.body.id;
    await receiver.waitForRequests(2);
  });

  const deliveriesOf = async (id: string) => (await stack.api('GET', `/events/${id}`)).body.deliveries as Array<{ id: string; webhook_id: string; status: string }>;

  it('to every active subscribed webhook, as new deliveries of the same signed body', async function () {
    const original = await deliveriesOf(eventId);
    const response = await stack.api('POST', `/events/${eventId}/redeliver`);
    assert.equal(response.status, 202, JSON.stringify(response.body));
    assert.equal(response.body.event_id, eventId);
    const fresh = response.body.deliveries as Array<{ id: string; webhook_id: string; status: string }>;
    assert.deepEqual(fresh.map((d) => d.webhook_id).sort(), [hooks.a, hooks.b].sort());
    assert.ok(fresh.every((d) => d.status === 'pending' && !original.some((o) => o.id === d.id)));

    const received = await receiver.waitForRequests(4);
    const byDelivery = new Map(received.map((r) => [r.headers['x-continuum-delivery'], r]));
    for (const d of fresh) assert.equal(byDelivery.get(d.id)?.body, received[0].body, 'the same bytes as the first delivery');
    await eventually('redeliveries succeeded', async () => (await deliveriesOf(eventId)).filter((d) => d.status === 'succeeded').length === 4);
    const attempts = await stack.system.db('delivery_attempts').whereIn('delivery_id', fresh.map((d) => d.id)).select('attempt_number', 'trigger');
    assert.deepEqual(attempts.map((a) => [a.attempt_number, a.trigger]), [[1, 'scheduled'], [1, 'scheduled']]);
  });

  it('to exactly the webhooks named', async function () {
    const before = receiver.requests.length;
    const response = await stack.api('POST', `/events/${eventId}/redeliver`, { webhook_ids: [hooks.b, hooks.b] });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    assert.deepEqual(response.body.deliveries.map((d: { webhook_id: string }) => d.webhook_id), [hooks.b]);
    await receiver.waitForRequests(before + 1);
    await eventually('it succeeded', async () => (await deliveriesOf(eventId)).filter((d) => d.status === 'succeeded').length === 5);
    assert.equal((await deliveriesOf(eventId)).filter((d) => d.webhook_id === hooks.a).length, 2);
  });

  function assertError(response: ApiResponse, status: number, code: string, field?: string, mentions?: string): void {
    assert.equal(response.status, status, JSON.stringify(response.body));
    assert.equal(response.body.error.code, code);
    if (field) assert.ok(response.body.error.details.some((d: { field: string }) => d.field === field), JSON.stringify(response.body));
    if (mentions) assert.ok(JSON.stringify(response.body).includes(mentions), JSON.stringify(response.body));
  }

  it('refuses bad input with the documented error and changes nothing', async function () {
    const counts = await tableCounts(stack.system.db);
    const r = (body?: unknown, id = eventId, key?: string) => stack.api('POST', `/events/${id}/redeliver`, body, { key });
    assertError(await r({ webhook_ids: [hooks.other] }), 400, 'validation_error', 'body.webhook_ids.0', 'is not subscribed to memory.created');
    assertError(await r({ webhook_ids: [hooks.a, hooks.inactive] }), 400, 'validation_error', 'body.webhook_ids.1', 'is inactive');
    assertError(await r({ webhook_ids: [otherTenantWebhook] }), 400, 'validation_error', 'body.webhook_ids.0', 'not found');
    assertError(await r({ webhook_ids: ['wh_0000000000000000000000000a'] }), 400, 'validation_error', 'body.webhook_ids.0', 'not found');
    assertError(await r({ webhook_ids: ['nope'] }), 400, 'validation_error', 'body.webhook_ids.0');
    assertError(await r({ webhook_ids: [] }), 400, 'validation_error', 'body.webhook_ids');
    assertError(await r({ webhook_ids: hooks.a }), 400, 'validation_error', 'body.webhook_ids');
    assertError(await r({ webhooks: [hooks.a] }), 400, 'validation_error');
    assertError(await r({}, 'evt_0000000000000000000000000a'), 404, 'not_found');
    assertError(await r({}, 'not-an-id'), 404, 'not_found');
    assertError(await r({}, eventId, otherTenantKey), 404, 'not_found');

    const recover = (body: unknown, webhookId = hooks.a, key?: string) => stack.api('POST', `/webhooks/${webhookId}/recover`, body, { key });
    const since = new Date(Date.now() - HOUR).toISOString();
    assertError(await recover({}), 400, 'validation_error', 'body.since');
    assertError(await recover({ since: 'yesterday' }), 400, 'validation_error', 'body.since');
    assertError(await recover({ since: Date.now() - HOUR }), 400, 'validation_error', 'body.since');
    assertError(await recover({ since, until: new Date(Date.now() + HOUR).toISOString() }), 400, 'validation_error', 'body.until');
    assertError(await recover({ since, until: new Date(Date.now() - 2 * HOUR).toISOString() }), 400, 'validation_error', 'body.until');
    assertError(await recover({ since: new Date(Date.now() - 15 * 24 * HOUR).toISOString() }), 400, 'validation_error', 'body.since', '14 days');
    assertError(await recover({ since, statuses: ['retrying'] }), 400, 'validation_error', 'body.statuses.0');
    assertError(await recover({ since, statuses: [] }), 400, 'validation_error', 'body.statuses');
    assertError(await recover({ since, statuses: 'dead_lettered' }), 400, 'validation_error', 'body.statuses');
    assertError(await recover({ since, colour: 'red' }), 400, 'validation_error');
    assertError(await recover({ since }, 'wh_0000000000000000000000000a'), 404, 'not_found');
    assertError(await recover({ since }, otherTenantWebhook), 404, 'not_found');
    assertError(await recover({ since }, hooks.inactive), 409, 'conflict');
    assertError(await stack.api('GET', '/recoveries/rec_0000000000000000000000000a'), 404, 'not_found');
    assertError(await stack.api('GET', '/recoveries/nope'), 404, 'not_found');
    assertError(await stack.api('PUT', '/recoveries/rec_0000000000000000000000000a'), 405, 'method_not_allowed');
    assertError(await stack.api('GET', `/webhooks/${hooks.a}/recover`), 405, 'method_not_allowed');
    assert.deepEqual(await tableCounts(stack.system.db), counts);
  });

  it("a recovery is its tenant's: another tenant's key gets a 404; the CLI starts one and shows it", async function () {
    const cli = async (...args: string[]) => (await exec(process.execPath, [CLI, ...args], { env: { ...process.env, ...stack.env } })).stdout.trim().split('\n');
    const since = new Date(Date.now() - HOUR).toISOString();
    const id = (await cli('recover', '--webhook', hooks.a, '--since', since, '--statuses', 'succeeded')).at(-1) as string;
    assert.match(id, /^rec_[0-9a-z]{26}$/);
    const done = await eventually('the recovery done', async () => {
      const body = (await stack.api('GET', `/recoveries/${id}`)).body;
      return body.status === 'completed' && body;
    }, 120_000);
    // hook a has two succeeded deliveries (the publish and the redelivery): both sent again.
    assert.deepEqual([done.matched, done.started, done.succeeded, done.failed, done.statuses], [2, 2, 2, 0, ['succeeded']]);
    assert.equal((await stack.api('GET', `/recoveries/${id}`, undefined, { key: otherTenantKey })).status, 404);
    const shown = await cli('recoveries', 'show', '--id', id);
    assert.ok(shown[1].startsWith(`${id}\t${hooks.a}\tcompleted\t2\t2\t2\t0\t`), shown.join('\n'));
    const counts = await tableCounts(stack.system.db);
    await assert.rejects(exec(process.execPath, [CLI, 'recover', '--webhook', hooks.a, '--since', since, '--statuses', 'retrying'], { env: { ...process.env, ...stack.env } }),
      (err: { code: number; stderr: string }) => err.code === 1 && /--statuses\.0 must be one of/.test(err.stderr));
    assert.deepEqual(await tableCounts(stack.system.db), counts);
  });
});
