import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { recoveryWorkflow } from '../../workflows';
import { recoveryWorkflowId } from '../../workflows/messages';
import { TenantIdKey, WebhookIdKey } from '../../workflows/searchAttributes';
import { isWorkflowRunning, type TemporalConnector } from './client';

export interface RecoveryStartOptions {
  taskQueue: string;
  /** Deliveries a recovery run starts before it continues as new. */
  itemsPerRun: number;
  /** Bound on waiting for one re-attempted delivery (a waiting activity past it is tried again). */
  waitTimeoutMs: number;
}

/**
 * The task queue of the activities that wait for a re-attempted delivery to finish. They hold
 * a worker slot for as long as the delivery takes; on their own queue (with their own slots)
 * they can never take the slots the deliveries themselves need to get there.
 */
export const recoveryWaitTaskQueue = (taskQueue: string): string => `${taskQueue}-recovery-waits`;

/** Client-side control of recovery workflows (`recover:<rec_id>`, searchable by WebhookId and TenantId). */
export class RecoveryControl {
  constructor(
    private readonly temporal: TemporalConnector,
    private readonly options: RecoveryStartOptions,
  ) {}

  /** Starts the recovery's workflow; one started already (by another process's pass) is left alone. */
  async start(recovery: { id: string; tenant_id: string; webhook_id: string }): Promise<void> {
    const client = await this.temporal.client();
    try {
      await client.workflow.start<typeof recoveryWorkflow>('recoveryWorkflow', {
        workflowId: recoveryWorkflowId(recovery.id),
        taskQueue: this.options.taskQueue,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [{
          recoveryId: recovery.id,
          tenantId: recovery.tenant_id,
          webhookId: recovery.webhook_id,
          itemsPerRun: this.options.itemsPerRun,
          waitTaskQueue: recoveryWaitTaskQueue(this.options.taskQueue),
          waitTimeoutMs: this.options.waitTimeoutMs,
        }],
        typedSearchAttributes: [
          { key: TenantIdKey, value: recovery.tenant_id },
          { key: WebhookIdKey, value: recovery.webhook_id },
        ],
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  /** Whether the recovery's workflow (its latest run) is running; false when it ended or never started. */
  async isRunning(recoveryId: string): Promise<boolean> {
    return isWorkflowRunning((await this.temporal.client()).workflow.getHandle(recoveryWorkflowId(recoveryId)));
  }
}
