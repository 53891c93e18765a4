import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { SEARCH_ATTRIBUTE_NAMES, WebhookIdKey } from '../../workflows/searchAttributes';
import { resolveServerBinaries, startTemporalServer, type TemporalServer } from '../../src/temporal/server';
import { dropServerDatabases } from '../../src/temporal/serverDatabases';
import { getInfra } from '../helpers/infra';
import { eventually } from '../helpers/wait';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('production Temporal server on Postgres', function () {
  // The first start applies both schemas; when the binaries are missing it also go-installs them.
  this.timeout(900_000);
  const prefix = `tsrv_${randomBytes(4).toString('hex')}_`;
  let server: TemporalServer | undefined;
  let connection: Connection | undefined;

  before(async function () {
    // No skipping: without the binaries (and no Go to install them) this fails with the reason.
    server = await startTemporalServer({ postgresUrl: getInfra().postgresUrl, databasePrefix: prefix });
    connection = await Connection.connect({ address: server.address });
  });

  after(async function () {
    await connection?.close();
    await server?.stop();
    await dropServerDatabases(getInfra().postgresUrl, prefix);
  });

  it('serves the namespace with our search attributes and finds a workflow by WebhookId', async function () {
    const { workflowService, operatorService } = connection!;
    const info = await workflowService.getSystemInfo({});
    assert.match(info.serverVersion ?? '', /^1\.29\.1/);

    const { customAttributes } = await operatorService.listSearchAttributes({ namespace: server!.namespace });
    for (const name of SEARCH_ATTRIBUTE_NAMES) assert.ok(customAttributes?.[name] !== undefined, `${name} is registered`);

    // No worker: the workflow only has to be recorded with its search attribute, then found.
    const client = new Client({ connection: connection!, namespace: server!.namespace });
    const webhookId = `wh_${randomBytes(6).toString('hex')}`;
    const handle = await client.workflow.start('nothing', {
      taskQueue: 'temporal-server-test', workflowId: `test:${webhookId}`,
      typedSearchAttributes: new TypedSearchAttributes([{ key: WebhookIdKey, value: webhookId }]),
    });
    const found = await eventually('the workflow in visibility', async () => {
      const ids: string[] = [];
      for await (const execution of client.workflow.list({ query: `WebhookId="${webhookId}"` })) ids.push(execution.workflowId);
      return ids.length > 0 && ids;
    });
    assert.deepEqual(found, [handle.workflowId]);
    await handle.terminate('test done');
  });

  it('stop() ends the server process', async function () {
    const { pid } = server!;
    assert.ok(isAlive(pid));
    await connection!.close();
    connection = undefined;
    await server!.stop();
    assert.equal(isAlive(pid), false);
  });
});

describe('production Temporal server binaries', function () {
  const saved = process.env.TEMPORAL_SERVER_PATH;
  afterEach(function () {
    if (saved === undefined) delete process.env.TEMPORAL_SERVER_PATH;
    else process.env.TEMPORAL_SERVER_PATH = saved;
  });

  it('refuses a TEMPORAL_SERVER_PATH that is not an executable, naming it', async function () {
    process.env.TEMPORAL_SERVER_PATH = '/nonexistent/temporal-server';
    await assert.rejects(resolveServerBinaries(), /TEMPORAL_SERVER_PATH=\/nonexistent\/temporal-server is not an executable file/);
  });
});
