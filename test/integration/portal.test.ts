import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { COMMANDS } from '../../src/cli/commands';
import { createApiKey } from '../../src/db/repositories/apiKeys';
import { storeDeliveries, storeEvent } from '../../src/events/store';
import { tableCounts } from '../helpers/rows';
import { useTestStack, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';

describe('portal sessions: scoped, read-only, expiring tokens', function () {
  const ctx = useTestStack();
  let stack: TestSystem;
  let otherKey: string;
  let mine: string;
  let outOfScope: string;
  let theirs: string;
  let sharedEvent: string;
  let theirEvent: string;

  async function register(key?: string) {
    const created = await ctx.stack.api('POST', '/webhooks', { url: ctx.receiver.url, events: ['memory.created'], name: 'portal' }, { key });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  }

  /** An event stored with one delivery per webhook given (no workflow: these tests only read). */
  async function storedEvent(tenantId: string, webhookIds: string[]) {
    const event = await storeEvent(stack.system.db, { tenantId, type: 'memory.created', dataJson: '{"memory_id":"m"}', createdAt: new Date() });
    await storeDeliveries(stack.system.db, event!, webhookIds);
    return event!.id;
  }

  async function portal(body: Record<string, unknown> = {}) {
    const created = await stack.api('POST', '/portal/sessions', body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body as { id: string; token: string; url: string; expires_at: string; webhook_ids: string[] | null; read_only: boolean };
  }

  before(async function () {
    stack = ctx.stack;
    otherKey = (await createApiKey(stack.system.db, { tenantId: 'tenant_b' })).key;
    [mine, outOfScope, theirs] = [await register(), await register(), await register(otherKey)];
    sharedEvent = await storedEvent('tenant_a', [mine, outOfScope]);
    theirEvent = await storedEvent('tenant_a', [outOfScope]);
  });

  it('a link carries a 256-bit cpt_ token in its fragment, and the database holds only its SHA-256', async function () {
    const started = Date.now();
    const session = await portal({ webhook_ids: [mine], ttl: '30m' });
    assert.match(session.token, /^cpt_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(session.token.slice(4), 'base64url').length, 32);
    assert.equal(session.url, `${stack.system.apiUrl}/#portal=${session.token}`);
    assert.deepEqual([session.webhook_ids, session.read_only], [[mine], false]);
    const expires = Date.parse(session.expires_at) - started;
    assert.ok(expires > 29 * 60_000 && expires < 31 * 60_000, `expires in ${expires} ms`);
    assert.notEqual((await portal()).token, session.token);

    const row = await stack.system.db('portal_sessions').where({ id: session.id }).first();
    assert.equal(row.token_hash, createHash('sha256').update(session.token).digest('hex'));
    const stored = JSON.stringify(await stack.system.db('portal_sessions').select('*'));
    assert.ok(!stored.includes(session.token.slice(4)), 'no plaintext token in the database');

    // ttl as a number of seconds, and the default of one hour.
    assert.ok(Math.abs(Date.parse((await portal({ ttl: 120 })).expires_at) - Date.now() - 120_000) < 60_000);
    assert.ok(Math.abs(Date.parse((await portal()).expires_at) - Date.now() - 3_600_000) < 60_000);
  });

  it('GET /session tells each credential its scope', async function () {
    const byKey = await stack.api('GET', '/session');
    assert.deepEqual(byKey.body, { kind: 'api_key', tenant_id: 'tenant_a', read_only: false, webhook_ids: null, expires_at: null, portal_session_id: null });
    const session = await portal({ webhook_ids: [mine], read_only: true });
    const byToken = await stack.api('GET', '/session', undefined, { key: session.token });
    assert.deepEqual(byToken.body, {
      kind: 'portal', tenant_id: 'tenant_a', read_only: true, webhook_ids: [mine], expires_at: session.expires_at, portal_session_id: session.id,
    });
  });

  it('a scoped token sees only its webhooks: others of the tenant and other tenants\' answer 404', async function () {
    const { token } = await portal({ webhook_ids: [mine] });
    const as = (method: string, path: string, body?: unknown) => stack.api(method, path, body, { key: token });
    const list = await as('GET', '/webhooks');
    assert.deepEqual(list.body.data.map((w: { id: string }) => w.id), [mine]);
    assert.equal(list.body.total, 1);
    assert.equal((await as('GET', `/webhooks/${mine}`)).status, 200);
    for (const id of [outOfScope, theirs]) {
      for (const [method, path, body] of [['GET', ''], ['GET', '/deliveries'], ['GET', '/stats/timeseries'], ['PATCH', '', { name: 'taken' }], ['DELETE', '']] as const) {
        const response = await as(method, `/webhooks/${id}${path}`, body);
        assert.deepEqual([response.status, response.body.error?.code], [404, 'not_found'], `${method} ${id}${path}`);
      }
    }
    assert.equal((await stack.api('GET', `/webhooks/${outOfScope}`)).body.name, 'portal', 'nothing changed');

    const shared = await as('GET', `/events/${sharedEvent}`);
    assert.deepEqual(shared.body.deliveries.map((d: { webhook_id: string }) => d.webhook_id), [mine], 'only in-scope deliveries');
    assert.equal((await as('GET', `/events/${theirEvent}`)).status, 404, 'an event that reached none of its webhooks');

    const created = await as('POST', '/webhooks', { url: ctx.receiver.url, events: ['memory.created'], name: 'x' });
    assert.deepEqual([created.status, created.body.error.code], [403, 'forbidden']);
  });

  it('a token for the whole tenant sees all of its webhooks and no other tenant\'s', async function () {
    const { token } = await portal();
    const ids = (await stack.api('GET', '/webhooks', undefined, { key: token })).body.data.map((w: { id: string }) => w.id);
    assert.ok(ids.includes(mine) && ids.includes(outOfScope) && !ids.includes(theirs));
    assert.equal((await stack.api('GET', `/webhooks/${theirs}`, undefined, { key: token })).status, 404);
    const renamed = await stack.api('PATCH', `/webhooks/${outOfScope}`, { name: 'renamed by portal' }, { key: token });
    assert.deepEqual([renamed.status, renamed.body.name], [200, 'renamed by portal']);
    await stack.api('PATCH', `/webhooks/${outOfScope}`, { name: 'portal' });
  });

  it('a read-only token reads, and every change answers 403 read_only and changes nothing', async function () {
    const { token } = await portal({ read_only: true, webhook_ids: [mine] });
    const as = (method: string, path: string, body?: unknown) => stack.api(method, path, body, { key: token });
    const [delivery] = (await stack.api('GET', `/webhooks/${mine}/deliveries`)).body.data;
    for (const path of ['', '/deliveries', `/deliveries/${delivery.id}`, '/stats', '/stats/timeseries']) {
      assert.equal((await as('GET', `/webhooks/${mine}${path}`)).status, 200, path);
    }
    const snapshot = async () => JSON.stringify([await stack.system.db('webhooks').where({ id: mine }).first(), await tableCounts(stack.system.db)]);
    const before = await snapshot();
    const writes: Array<[string, string, unknown?]> = [
      ['POST', '/webhooks', { url: ctx.receiver.url, events: ['memory.created'], name: 'x' }], ['PATCH', `/webhooks/${mine}`, { name: 'changed' }],
      ['PATCH', `/webhooks/${mine}`, { url: 7 }], ['DELETE', `/webhooks/${mine}`], ['POST', `/webhooks/${mine}/test`],
      ['POST', `/webhooks/${mine}/retry/${delivery.id}`], ['POST', `/webhooks/${mine}/circuit/reset`], ['POST', `/webhooks/${mine}/secret/rotate`],
      ['POST', '/events', { event: 'memory.created', data: { memory_id: 'x' } }],
    ];
    for (const [method, path, body] of writes) {
      const response = await as(method, path, body);
      assert.deepEqual([response.status, response.body.error?.code], [403, 'read_only'], `${method} ${path}`);
    }
    assert.equal(await snapshot(), before);
  });

  it('a portal token can\'t publish events or manage portal sessions (403 forbidden)', async function () {
    const session = await portal();
    const counts = await tableCounts(stack.system.db);
    const calls: Array<[string, string, unknown?]> = [
      ['POST', '/events', { event: 'memory.created', data: { memory_id: 'x' } }], ['POST', '/portal/sessions', {}], ['DELETE', `/portal/sessions/${session.id}`],
    ];
    for (const [method, path, body] of calls) {
      const response = await stack.api(method, path, body, { key: session.token });
      assert.deepEqual([response.status, response.body.error.code], [403, 'forbidden'], `${method} ${path}`);
    }
    assert.deepEqual(await tableCounts(stack.system.db), counts);
    assert.equal((await stack.system.db('portal_sessions').where({ id: session.id }).first()).revoked_at, null);
  });

  it('refuses bad input naming the field, and stores nothing', async function () {
    const count = async () => Number((await stack.system.db('portal_sessions').count('* as n').first())?.n);
    const before = await count();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ webhook_ids: [theirs] }, 'body.webhook_ids[0]'], [{ webhook_ids: [mine, 'wh_nope'] }, 'body.webhook_ids[1]'],
      [{ webhook_ids: [] }, 'body.webhook_ids'], [{ ttl: '25h' }, 'body.ttl'], [{ ttl: 0 }, 'body.ttl'], [{ ttl: 'soon' }, 'body.ttl'],
      [{ ttl: 90_000 }, 'body.ttl'], [{ read_only: 'yes' }, 'body.read_only'], [{ scope: 'all' }, 'body'],
    ];
    for (const [body, field] of cases) {
      const response = await stack.api('POST', '/portal/sessions', body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.ok(response.body.error.details.some((d: { field: string }) => d.field === field), `${JSON.stringify(body)}: ${JSON.stringify(response.body.error.details)}`);
    }
    assert.equal(await count(), before);
  });

  it('an expired or revoked token answers 401; revoking twice or another tenant\'s session is 404', async function () {
    const expiring = await portal({ webhook_ids: [mine] });
    assert.equal((await stack.api('GET', '/webhooks', undefined, { key: expiring.token })).status, 200);
    await stack.system.db('portal_sessions').where({ id: expiring.id }).update({ expires_at: stack.system.db.raw("now() - interval '1 second'") });
    const expired = await stack.api('GET', '/webhooks', undefined, { key: expiring.token });
    assert.deepEqual([expired.status, expired.body.error.code], [401, 'unauthorized']);
    assert.match(expired.body.error.message, /expired/);

    const short = await portal({ ttl: '1s' });
    await eventually('the 1 s token expires', async () => (await stack.api('GET', '/session', undefined, { key: short.token })).status === 401);

    const revoking = await portal();
    assert.equal((await stack.api('DELETE', `/portal/sessions/${revoking.id}`, undefined, { key: otherKey })).status, 404);
    assert.equal((await stack.api('GET', '/session', undefined, { key: revoking.token })).status, 200, 'another tenant could not revoke it');
    assert.equal((await stack.api('DELETE', `/portal/sessions/${revoking.id}`)).status, 204);
    const revoked = await stack.api('GET', `/webhooks/${mine}`, undefined, { key: revoking.token });
    assert.deepEqual([revoked.status, revoked.body.error.message], [401, 'this portal session has been revoked']);
    assert.equal((await stack.api('DELETE', `/portal/sessions/${revoking.id}`)).status, 404);
    assert.equal((await stack.api('GET', '/session', undefined, { key: 'cpt_unknown' })).status, 401);

    const metrics = await (await fetch(`${stack.system.apiUrl}/metrics`)).text();
    for (const line of ['continuum_portal_sessions_total{action="revoked"} 1', 'continuum_portal_tokens_refused_total{reason="revoked"} 1',
      'continuum_portal_tokens_refused_total{reason="invalid"} 1']) assert.ok(metrics.includes(line), line);
    assert.match(metrics, /^continuum_portal_tokens_refused_total\{reason="expired"\} [1-9]/m);
  });

  it('the operator CLI creates a link the API accepts, and revokes it', async function () {
    const lines: string[] = [];
    const cli = (command: string, options: Record<string, string>) => COMMANDS[command].run({ db: stack.system.db, config: stack.system.config, options, out: (line) => lines.push(line) });
    await cli('portal-sessions create', { tenant: 'tenant_a', webhooks: mine, 'read-only': 'true', ttl: '2h' });
    const token = /#portal=(cpt_[A-Za-z0-9_-]{43})$/.exec(lines.at(-1) ?? '')?.[1];
    assert.ok(token, lines.join('\n'));
    const session = await stack.api('GET', '/session', undefined, { key: token });
    assert.deepEqual([session.body.read_only, session.body.webhook_ids], [true, [mine]]);
    await assert.rejects(cli('portal-sessions create', { tenant: 'tenant_a', webhooks: theirs }), /not found/);
    await assert.rejects(cli('portal-sessions create', { tenant: 'tenant_a', ttl: '2d' }), /--ttl must be at most 24h/);
    await cli('portal-sessions revoke', { tenant: 'tenant_a', id: session.body.portal_session_id });
    assert.equal((await stack.api('GET', '/session', undefined, { key: token })).status, 401);
  });
});
