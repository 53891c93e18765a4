import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import pino from 'pino';
import { createDb } from '../../src/db/knex';
import { migrateToLatest } from '../../src/db/migrate';
import { newId } from '../../src/db/ids';
import { insertWebhook } from '../../src/db/repositories/webhooks';
import type { DeliveryToStart } from '../../src/db/types';
import { Dispatcher } from '../../src/gate/dispatcher';
import { countLeases, expireLeases } from '../../src/gate/leases';
import { createTestDatabase } from '../helpers/infra';
import { storeDelivery } from '../helpers/rows';

const START_TTL_MS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The dispatcher's hand-out against the real SQL (docs/permits.md, invariant 6), with Temporal
 * played by a fake: a lease whose workflow Temporal accepted is held for the attempt's bound, so
 * a first task that comes after the start ttl (an engine backlog) still finds it; a lease whose
 * start failed goes back, its row in the queue again.
 */
describe('the dispatcher hands leases out', function () {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Knex;

  before(async function () {
    database = await createTestDatabase();
    db = createDb(database.url, 4);
    await migrateToLatest(db);
    await db('tenants').insert({ id: 'tenant_a' }).onConflict('id').ignore();
  });

  after(async function () {
    await db?.destroy();
    await database?.drop();
  });

  it('holds a lease whose workflow was started past the start ttl, and requeues one whose start failed', async function () {
    const webhookId = newId('wh');
    await insertWebhook(db, {
      id: webhookId, tenant_id: 'tenant_a', url: 'https://example.test/hook', events: ['user.created'], name: 'dispatch',
      description: null, active: true, secret_ciphertext: 'x', max_concurrency: 3,
    });
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) ids.push((await storeDelivery(db, { tenantId: 'tenant_a', webhookId, type: 'user.created', data: { n } })).deliveryId);
    const failing = ids[2];
    const started: string[] = [];
    const dispatcher = new Dispatcher({
      db,
      deliveries: {
        startWithLease: async (row: DeliveryToStart) => {
          if (row.id === failing) throw new Error('Temporal away');
          started.push(row.id);
          return 'started';
        },
        grantLease: async () => true,
      },
      claim: { startTtlMs: START_TTL_MS },
      heldLeaseMs: 60_000,
      log: pino({ level: 'silent' }),
    });
    dispatcher.dispatch([webhookId]);
    await dispatcher.stop(); // waits for the claim and its hand-out
    assert.deepEqual(started.sort(), ids.slice(0, 2).sort());

    await sleep(START_TTL_MS + 100); // past the start ttl: a lease only taken would have expired
    await expireLeases(db);
    assert.equal(await countLeases(db, webhookId), 2, 'the started deliveries still hold their leases');
    const rows = await db('deliveries').whereIn('id', ids).select('id', 'permit_wanted_at');
    const waiting = rows.filter((r) => r.permit_wanted_at !== null).map((r) => r.id);
    assert.deepEqual(waiting, [failing], 'only the delivery whose start failed waits in the queue again');
  });
});
