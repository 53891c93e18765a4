import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import * as activities from './activities';

export interface FloorOptions {
  address: string;
  namespace?: string;
  /** Workflows to run (all started at once, as a fan-out burst would be). */
  count: number;
  /** Start through the worker's own connection with eager start, as an all-in-one process does. */
  eager: boolean;
  /** Workflow type from ./workflows. */
  workflowType?: string;
}

/** Completed workflows of one task queue, as the server counts them (its visibility store). */
async function countCompleted(client: Client, taskQueue: string): Promise<number> {
  const { count } = await client.workflow.count(`TaskQueue = "${taskQueue}" AND ExecutionStatus = "Completed"`);
  return count;
}

/**
 * Temporal's floor for a delivery's shape: how many workflows with one local activity the
 * engine completes per second. Completion is counted where it happens (the server's own
 * count), not by waiting on each result, so the client's long polls don't weigh on it.
 */
export async function measureFloor(options: FloorOptions): Promise<{ per_s: number; count: number; seconds: number }> {
  const taskQueue = `floor-${randomBytes(4).toString('hex')}`;
  const namespace = options.namespace ?? 'default';
  const connection = await NativeConnection.connect({ address: options.address });
  const clientConnection = await Connection.connect({ address: options.address });
  const worker = await Worker.create({ connection, namespace, taskQueue, workflowsPath: require.resolve('./workflows'), activities });
  const running = worker.run();
  const client = new Client({ connection: clientConnection, namespace });
  const starter = options.eager ? new Client({ connection, namespace }) : client;
  try {
    const type = options.workflowType ?? 'oneLocalActivityWorkflow';
    const started = Date.now();
    await Promise.all(Array.from({ length: options.count }, (_, i) =>
      starter.workflow.start(type, { taskQueue, workflowId: `${taskQueue}-${i}`, requestEagerStart: options.eager })));
    let done = 0;
    const deadline = Date.now() + 600_000;
    while (done < options.count && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      done = await countCompleted(client, taskQueue);
    }
    const seconds = (Date.now() - started) / 1000;
    if (done < options.count) throw new Error(`floor: only ${done} of ${options.count} workflows completed in 10 minutes`);
    return { per_s: Math.round((options.count / seconds) * 10) / 10, count: options.count, seconds: Math.round(seconds * 10) / 10 };
  } finally {
    worker.shutdown();
    await running;
    await clientConnection.close();
    await connection.close();
  }
}
