import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDb } from '../../src/db/knex';
import { createTestDatabase } from '../helpers/infra';
import { Receiver } from '../helpers/receiver';
import { useTestStack, type TestSystem } from '../helpers/system';
import { eventually } from '../helpers/wait';

const exec = promisify(execFile);
const CLI = path.resolve(__dirname, '../../src/cli/index.js');

describe('operator CLI', function () {
  const ctx = useTestStack();
  let stack: TestSystem;
  let receiver: Receiver;
  before(function () {
    ({ stack, receiver } = ctx);
  });

  async function cli(...args: string[]): Promise<string[]> {
    const { stdout } = await exec(process.execPath, [CLI, ...args], { env: { ...process.env, ...stack.env } });
    return stdout.trim().split('\n');
  }

  it('api-keys create prints a working key alone on its last line; list shows it; revoke disables it', async function () {
    const key = (await cli('api-keys', 'create', '--tenant', 'tenant_cli', '--name', 'ops')).at(-1) as string;
    assert.match(key, /^ck_[A-Za-z0-9_-]{43}$/);
    const created = await stack.api('POST', '/webhooks', { url: 'http://127.0.0.1:9999/h', events: ['user.created'], name: 'cli' }, { key });
    assert.equal(created.status, 201);
    assert.equal((await stack.system.db('webhooks').where({ id: created.body.id }).first()).tenant_id, 'tenant_cli');
    const keyRow = await stack.system.db('api_keys').where({ tenant_id: 'tenant_cli' }).first();
    assert.equal(keyRow.key_hash.length, 64, 'only the hash is stored');
    assert.notEqual(keyRow.key_hash, key);

    const listed = await cli('api-keys', 'list', '--tenant', 'tenant_cli');
    assert.equal(listed.length, 2);
    assert.ok(listed[1].startsWith(`${keyRow.id}\t${key.slice(0, 10)}…\tops\t`));
    assert.ok(!listed.join('\n').includes(key), 'the key itself is never listed');

    await cli('api-keys', 'revoke', '--tenant', 'tenant_cli', '--id', keyRow.id);
    assert.equal((await stack.api('GET', '/webhooks', undefined, { key })).status, 401);
  });

  it('lists webhooks and deliveries, and retries a dead-lettered delivery', async function () {
    let healthy = false;
    receiver.respond = () => ({ status: healthy ? 200 : 500 });
    const webhook = (await stack.api('POST', '/webhooks', { url: receiver.url, events: ['sync.failed'], name: 'ops' })).body;
    const [deliveryId] = (await stack.api('POST', '/events', { event: 'sync.failed', data: { sync_id: 's1' } })).body.delivery_ids;
    await eventually('dead-lettered', async () => (await stack.system.db('deliveries').where({ id: deliveryId }).first()).status === 'dead_lettered', 60_000);

    const hooks = await cli('webhooks', 'list', '--tenant', 'tenant_a');
    assert.ok(hooks.some((line) => line.startsWith(`${webhook.id}\ttrue\t`) && line.endsWith(receiver.url)));
    const dead = await cli('deliveries', 'list', '--tenant', 'tenant_a', '--webhook', webhook.id, '--status', 'dead_lettered');
    assert.ok(dead[1].startsWith(`${deliveryId}\tsync.failed\tdead_lettered\t6\t500\t`));
    assert.equal(dead.at(-1), '1 of 1');

    healthy = true;
    const retried = await cli('deliveries', 'retry', '--tenant', 'tenant_a', '--webhook', webhook.id, '--delivery', deliveryId);
    assert.match(retried[0], /^Retrying del_\w+ \(was dead_lettered, 6 attempts\)$/);
    await eventually('delivered by the retry', async () => (await stack.system.db('deliveries').where({ id: deliveryId }).first()).status === 'succeeded');
  });

  it('refuses bad usage with a clear message and exit code 1', async function () {
    for (const args of [['api-keys', 'create'], ['deliveries', 'list', '--tenant', 't'], ['nothing', 'here'], ['deliveries', 'list', '--tenant', 't', '--webhook', 'w', '--status', 'lost']]) {
      await assert.rejects(exec(process.execPath, [CLI, ...args], { env: { ...process.env, ...stack.env } }),
        (err: { code: number; stderr: string }) => err.code === 1 && /is required|usage:|must be one of/.test(err.stderr), args.join(' '));
    }
  });

  it('event-types list prints the catalogue: each type, its priority and its required fields; --json the schemas', async function () {
    const lines = await cli('event-types', 'list');
    assert.equal(lines.length, 16, 'a header and 15 types');
    assert.ok(lines.includes('memory.created\tnormal\tpublished\tmemory_id\tNew memory stored'), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('quota.exceeded\thigh\tpublished\tquota_type\t')));
    const catalogue = JSON.parse((await cli('event-types', 'list', '--json')).join('\n'));
    assert.deepEqual(catalogue.find((t: { name: string }) => t.name === 'sync.completed').schema.required, ['sync_id']);
  });

  it('migrate brings a new database up to date, says where it stands, and changes nothing the second time', async function () {
    const fresh = await createTestDatabase();
    const db = createDb(fresh.url, 1);
    try {
      const migrate = async () => (await exec(process.execPath, [CLI, 'migrate'], { env: { ...process.env, ...stack.env, DATABASE_URL: fresh.url } })).stdout.trim();
      const first = await migrate();
      const applied: string[] = await db('knex_migrations').orderBy('id').pluck('name');
      assert.ok(applied.length >= 14, applied.join(','));
      assert.equal(first, `Database schema is up to date: ${applied.length} migrations, the latest ${applied.at(-1)}`);
      assert.ok(await db.schema.hasTable('deliveries'));
      assert.equal(await migrate(), first);
      assert.equal((await db('knex_migrations').count<{ n: string }[]>('* as n'))[0].n, String(applied.length));
    } finally {
      await db.destroy();
      await fresh.drop();
    }
  });
});
