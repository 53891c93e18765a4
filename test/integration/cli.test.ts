import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase } from '../helpers/infra';
import { startTestSystem, type TestSystem } from '../helpers/system';

const run = promisify(execFile);
const CLI = path.resolve(__dirname, '../../src/cli.js');

describe('operator CLI', function () {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let stack: TestSystem;

  before(async function () {
    database = await createTestDatabase();
    stack = await startTestSystem(database.url, {}, ['api']);
  });

  after(async function () {
    await stack?.stop();
    await database?.drop();
  });

  it('api-keys create prints a working key alone on its last line', async function () {
    const { stdout } = await run(process.execPath, [CLI, 'api-keys', 'create', '--tenant', 'tenant_cli'], {
      env: { ...process.env, DATABASE_URL: database.url },
    });
    const key = stdout.trim().split('\n').at(-1) as string;
    assert.match(key, /^ck_[A-Za-z0-9_-]{43}$/);
    const created = await stack.api('POST', '/webhooks', { url: 'http://127.0.0.1:9999/h', events: ['user.created'], name: 'cli' }, { key });
    assert.equal(created.status, 201);
    const stored = await stack.system.db('webhooks').where({ id: created.body.id }).first();
    assert.equal(stored.tenant_id, 'tenant_cli');
    const keyRow = await stack.system.db('api_keys').where({ tenant_id: 'tenant_cli' }).first();
    assert.notEqual(keyRow.key_hash, key, 'only the hash is stored');
    assert.equal(keyRow.key_hash.length, 64);
  });

  it('refuses a missing tenant with a usage message', async function () {
    await assert.rejects(
      run(process.execPath, [CLI, 'api-keys', 'create'], { env: { ...process.env, DATABASE_URL: database.url } }),
      (err: { code: number; stderr: string }) => err.code === 1 && /--tenant <id> is required/.test(err.stderr),
    );
  });
});
