import assert from 'node:assert/strict';
import pino from 'pino';
import { createWorkflowControls } from '../../src/events/controlFactory';
import { TemporalConnector } from '../../src/temporal/client';
import { takeOverDeliveries, takeOverEndpoints } from '../../src/upgrade/handover';
import { deliveryWorkflowId, endpointWorkflowId } from '../../workflows/messages';
import { storeDelivery } from '../helpers/rows';
import { useTestStack } from '../helpers/system';
import { eventually } from '../helpers/wait';

// The upgrade from the previous release (src/upgrade/handover.ts): its workflow types are not in
// this build. Here its runs are stood in for by workflows of its type names on a task queue no
// worker polls (as after the upgrade: nothing runs their code), with the rows as migration 016
// leaves them: listed in release_handover, the circuit open in the webhook row.
describe('the handover of the previous release\'s workflows', function () {
  const ctx = useTestStack();
  let temporal: TemporalConnector;

  before(function () {
    temporal = new TemporalConnector({ address: ctx.stack.system.temporalAddress, namespace: 'default' });
  });
  after(async function () {
    await temporal?.close();
  });

  async function previousRun(type: string, workflowId: string): Promise<string> {
    const handle = await (await temporal.client()).workflow.start(type, { workflowId, taskQueue: 'previous-release-nobody-polls', args: [{}] });
    return handle.firstExecutionRunId;
  }

  it('a retrying delivery finishes on this release\'s workflow, and an open circuit half-opens on time with one probe', async function () {
    const db = ctx.stack.system.db;
    // The system's own pass (every 200 ms here) has had its first turn and found nothing: these calls are the only takers.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const webhook = (await ctx.stack.api('POST', '/webhooks', { url: ctx.receiver.url, events: ['user.created'], name: 'upgraded' })).body;
    const { deliveryId } = await storeDelivery(db, { tenantId: 'tenant_a', webhookId: webhook.id, type: 'user.created', data: { user_id: 'u_1' } });
    await db('deliveries').where({ id: deliveryId }).update({
      workflow_started_at: new Date(), permit_wanted_at: null, status: 'retrying', attempt_count: 1, next_attempt_at: new Date(Date.now() + 300),
    });
    await db('release_handover').insert({ delivery_id: deliveryId });
    const oldDelivery = await previousRun('deliveryWorkflowV2', deliveryWorkflowId(deliveryId));

    const broken = (await ctx.stack.api('POST', '/webhooks', { url: `${ctx.receiver.url}/probe`, events: ['session.ended'], name: 'open' })).body;
    await db('webhooks').where({ id: broken.id }).update({ circuit_state: 'open', circuit_opened_at: new Date(), circuit_open_since: new Date() });
    const oldEndpoint = await previousRun('endpointWorkflow', endpointWorkflowId(broken.id));
    const { deliveryId: held } = await storeDelivery(db, { tenantId: 'tenant_a', webhookId: broken.id, type: 'session.ended', data: { session_id: 's_1' } });
    await db('deliveries').where({ id: held }).update({ status: 'waiting_circuit' });

    const controls = createWorkflowControls(temporal, ctx.stack.system.config);
    const deps = { db, temporal, ...controls, log: pino({ level: 'silent' }) };
    assert.deepEqual(await takeOverEndpoints(deps), [broken.id]);
    assert.equal(await takeOverDeliveries(deps), 1);
    assert.equal(await takeOverDeliveries(deps), 0, 'the list is empty');

    const client = await temporal.client();
    for (const [id, run] of [[deliveryWorkflowId(deliveryId), oldDelivery], [endpointWorkflowId(broken.id), oldEndpoint]]) {
      assert.equal((await client.workflow.getHandle(id, run).describe()).status.name, 'TERMINATED', `${id}'s previous run ended`);
    }
    await eventually('delivered on this release\'s workflow', async () => (await db('deliveries').where({ id: deliveryId }).first()).status === 'succeeded');
    const done = await db('deliveries').where({ id: deliveryId }).first();
    assert.equal(done.attempt_count, 2, 'its attempts kept counting');
    assert.equal((await client.workflow.getHandle(deliveryWorkflowId(deliveryId)).describe()).type, 'deliveryWorkflowV3');

    // The circuit's period (1 s here) ends; the probe goes, succeeds and closes it.
    await eventually('the probe closed the circuit', async () => (await db('webhooks').where({ id: broken.id }).first()).circuit_state === 'closed', 20_000);
    assert.equal((await db('deliveries').where({ id: held }).first()).status, 'succeeded');
    assert.equal((await client.workflow.getHandle(endpointWorkflowId(broken.id)).describe()).type, 'endpointWorkflowV2');
  });
});
