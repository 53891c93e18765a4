import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { startDevServer } from '../../src/temporal/devServer';
import * as activities from './activities';

/**
 * The ceiling: workflows per second this machine's Temporal dev server completes for the
 * smallest shapes (no work, one activity, one local activity), `count` of each at once.
 */
export async function run(count = Number(process.argv[2] ?? 500)): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = process.env.TEMPORAL_ADDRESS ? null : await startDevServer({ uiPort: null });
  const address = process.env.TEMPORAL_ADDRESS ?? (server?.address as string);
  const taskQueue = `ceiling-${randomBytes(3).toString('hex')}`;
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({ connection, taskQueue, workflowsPath: require.resolve('./workflows'), activities });
  const running = worker.run();
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  // Eager start hands the first workflow task to this process's worker in the start
  // response; it needs the worker's own (native) connection.
  const nativeClient = new Client({ connection });
  const results: Record<string, number> = {};
  try {
    for (const type of ['emptyWorkflow', 'oneActivityWorkflow', 'oneLocalActivityWorkflow']) {
      for (const eager of [false, true]) {
        const name = `${type}${eager ? '_eager' : ''}_per_s`;
        const started = Date.now();
        const handles = await Promise.all(Array.from({ length: count }, (_, i) =>
          (eager ? nativeClient : client).workflow.start(type, { taskQueue, workflowId: `${name}-${taskQueue}-${i}`, requestEagerStart: eager })));
        await Promise.all(handles.map((h) => h.result()));
        results[name] = Math.round(count / ((Date.now() - started) / 1000));
        process.stderr.write(`${name}: ${results[name]}\n`);
      }
    }
  } finally {
    worker.shutdown();
    await running;
    await clientConnection.close();
    await connection.close();
    await server?.stop();
  }
  process.stdout.write(`${JSON.stringify({ ceiling: results, count })}\n`);
}

if (require.main === module) {
  run().then(() => process.exit(0), (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
