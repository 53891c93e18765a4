import { bundleWorkflowCode, NativeConnection, Runtime, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { ActivityDeps } from '../../activities';
import { createActivities } from '../../activities';
import { activeTracing } from '../tracing';
import { endpointTaskQueue } from './endpointControl';
import { recoveryWaitTaskQueue } from './recoveryControl';

/** Recovery waits one worker holds at once (each is an idle long poll on Temporal). */
const RECOVERY_WAIT_SLOTS = 1000;

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  activityDeps: ActivityDeps;
  /** Open workflows kept in memory (the SDK sizes it from the heap when unset). */
  maxCachedWorkflows?: number;
  /** A pre-built bundle (tests share one); otherwise workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
}

export interface RunningWorker {
  connection: NativeConnection;
  stop(): Promise<void>;
}

export function workflowsPath(): string {
  return require.resolve('../../workflows');
}

/**
 * Runs our workflows and activities until stop() is called: one worker on the deliveries'
 * task queue and one on the endpoint workflows' own queue, so that a gate never waits for a
 * workflow task behind a backlog of deliveries (after continue-as-new, say); and one for the
 * activities that wait for recovered deliveries.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const connection = await NativeConnection.connect({ address: options.address });
  // Tracing on (docs/tracing.md): its workflow interceptors join the bundle, its activity
  // interceptors and workflow span sink join the workers. Off: none of it.
  const tracing = activeTracing()?.worker;
  try {
    const workflowBundle = options.workflowBundle ?? (await bundleWorkflowCode({
      workflowsPath: workflowsPath(), logger: Runtime.instance().logger, workflowInterceptorModules: tracing?.workflowInterceptorModules,
    }));
    const activities = createActivities(options.activityDeps);
    const traced = tracing ? { interceptors: { activity: tracing.activityInterceptors }, sinks: tracing.sinks } : {};
    const workers = await Promise.all([options.taskQueue, endpointTaskQueue(options.taskQueue)].map((taskQueue) =>
      Worker.create({
        connection, namespace: options.namespace, taskQueue, activities, workflowBundle, shutdownGraceTime: '5s', ...traced,
        ...(options.maxCachedWorkflows ? { maxCachedWorkflows: options.maxCachedWorkflows } : {}),
      })));
    // Activities only: the waits of recoveries, each holding a slot while its delivery runs.
    workers.push(await Worker.create({
      connection, namespace: options.namespace, taskQueue: recoveryWaitTaskQueue(options.taskQueue), activities,
      shutdownGraceTime: '5s', maxConcurrentActivityTaskExecutions: RECOVERY_WAIT_SLOTS,
    }));
    const running = workers.map((worker) => worker.run());
    return {
      connection,
      async stop() {
        for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
        await Promise.allSettled(running);
        await connection.close();
      },
    };
  } catch (err) {
    await connection.close();
    throw err;
  }
}
