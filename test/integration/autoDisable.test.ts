import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { delivered, distinctDeliveries, settle, waitForDelivered } from '../helpers/notices';
import { Receiver } from '../helpers/receiver';
import { Scenario } from '../helpers/scenario';
import { startTestSystem, useTestStack, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';

const AFTER_MS = 2000;
const CLI = path.resolve(__dirname, '../../src/cli/index.js');

describe('auto-disable', function () {
  // Two failures open a circuit that stays open (an hour to half-open): after 2 s the webhook is
  // disabled. The check runs every 200 ms in each API process.
  const ctx = useTestStack({
    CONTINUUM_CIRCUIT_FAILURE_THRESHOLD: '2', CONTINUUM_CIRCUIT_OPEN_DURATION: '1h', CONTINUUM_AUTO_DISABLE_AFTER: `${AFTER_MS}ms`,
  });
  let s: Scenario;
  let failing: Receiver;
  let secondApi: TestSystem;

  before(async function () {
    s = new Scenario(ctx.stack);
    failing = await new Receiver().start();
    failing.respond = () => ({ status: 503, body: 'down' });
    // A second API process runs the same check against the same database.
    secondApi = await startTestSystem(ctx.database.url, ctx.stack.env, ['api']);
  });

  afterEach(async function () {
    await s.cleanup();
  });

  after(async function () {
    await secondApi?.stop();
    await failing?.stop();
  });

  async function counter(system: TestSystem): Promise<number> {
    const text = await (await fetch(`${system.system.apiUrl}/metrics`)).text();
    return Number(/^continuum_webhooks_auto_disabled_total (\d+)/m.exec(text)?.[1]);
  }

  it('disables a webhook whose circuit stayed open, once: cancels its waiting deliveries, tells the other webhooks; re-enabling clears it', async function () {
    await s.webhook(ctx.receiver, { events: ['webhook.disabled', 'webhook.circuit_opened'], name: 'watcher' });
    const webhookId = await s.webhook(failing, { events: ['memory.created', 'webhook.disabled'], name: 'dead' });
    const [first] = await s.publish(1);
    await eventually('circuit open', async () => (await s.circuit(webhookId)).state === 'open');
    const waiting = [first, ...await s.publish(3)];
    await s.waitForStatus(waiting, 'waiting_circuit');

    const disabled = await eventually('webhook disabled', async () => {
      const got = await ctx.stack.api('GET', `/webhooks/${webhookId}`);
      return got.body.active === false ? got.body : null;
    });
    const openSince = (await ctx.stack.system.db('webhooks').where({ id: webhookId }).first()).circuit_open_since as Date;
    assert.equal(disabled.disabled_reason, `circuit_open_since ${openSince.toISOString()}`);
    assert.ok(Date.parse(disabled.disabled_at) - openSince.getTime() >= AFTER_MS, 'not before the setting');
    await s.waitForStatus(waiting, 'cancelled');

    const [notice] = await waitForDelivered(ctx.receiver, 'webhook.disabled');
    assert.equal(notice.data.webhook_id, webhookId);
    assert.equal(notice.data.webhook_name, 'dead');
    assert.equal(notice.data.reason, disabled.disabled_reason);
    assert.equal(notice.data.disabled_at, disabled.disabled_at);
    assert.equal(notice.data.cancelled_deliveries, 4);

    // Fires once, though two API processes keep checking.
    await settle(AFTER_MS);
    assert.equal(distinctDeliveries(delivered(ctx.receiver, 'webhook.disabled')).length, 1);
    assert.equal(await ctx.stack.system.db('events').where({ type: 'webhook.disabled' }).count('* as n').first().then((r) => Number(r?.n)), 1);
    assert.equal(await counter(ctx.stack) + await counter(secondApi), 1);
    assert.equal(delivered(failing, 'webhook.disabled').length, 0, 'never to the webhook it is about');
    assert.equal(failing.requests.length, 2, 'nothing sent after the circuit opened');

    // The operator CLI lists it.
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'webhooks', 'disabled', '--tenant', 'tenant_a'], { env: { ...process.env, ...ctx.stack.env } });
    assert.deepEqual(stdout.trim().split('\n').slice(1), [[webhookId, 'tenant_a', disabled.disabled_at, disabled.disabled_reason, failing.url].join('\t')]);

    const enabled = await ctx.stack.api('PATCH', `/webhooks/${webhookId}`, { active: true });
    assert.equal(enabled.status, 200);
    assert.equal(enabled.body.active, true);
    assert.equal(enabled.body.disabled_reason, null);
    assert.equal(enabled.body.disabled_at, null);
    assert.equal((await s.circuit(webhookId)).state, 'closed', 'a re-enabled webhook starts with a closed circuit');
    await settle(AFTER_MS);
    const after = await ctx.stack.api('GET', `/webhooks/${webhookId}`);
    assert.equal(after.body.active, true, 'its old open period does not disable it again');
    assert.equal(distinctDeliveries(delivered(ctx.receiver, 'webhook.disabled')).length, 1);
  });

  it('a manual deactivation leaves disabled_reason and disabled_at null', async function () {
    const webhookId = await s.webhook(ctx.receiver);
    const patched = await ctx.stack.api('PATCH', `/webhooks/${webhookId}`, { active: false });
    assert.equal(patched.status, 200);
    assert.deepEqual([patched.body.active, patched.body.disabled_reason, patched.body.disabled_at], [false, null, null]);
  });
});
