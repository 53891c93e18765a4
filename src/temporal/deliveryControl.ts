import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowIdReusePolicy, type WorkflowHandle, type WorkflowStartOptions } from '@temporalio/client';
import type { deliveryWorkflowV3 as deliveryWorkflow } from '../../workflows';
import { deliveryWorkflowId, leaseGrantedSignal, retryNowSignal } from '../../workflows/messages';
import type { AttemptResult, AttemptTrigger, DeliveryWorkflowInput, LeaseGrant } from '../../workflows/types';
import { EventTypeKey, TenantIdKey, WebhookIdKey } from '../../workflows/searchAttributes';
import type { DeliveryToStart } from '../db/types';
import { isWorkflowNotFound, isWorkflowRunning, type TemporalConnector } from './client';
import { withDeadline } from '../infra/deadline';
import { withTraceParent } from '../tracing';

/**
 * Bounded, so a hand-out through a Temporal outage fails and its lease goes back; long enough
 * that a start queued behind a busy engine is not given up (the server may still run it, and
 * its row, claimed again, costs another start and a signal).
 */
const HAND_OUT_DEADLINE_MS = 5000;

/** The delivery workflow type this release starts (docs/permits.md, "Upgrades"). */
const DELIVERY_WORKFLOW_TYPE = 'deliveryWorkflowV3';

export interface DeliveryStartOptions {
  taskQueue: string;
  retryScheduleMs: number[];
  maxDeliveryAgeMs: number;
  attemptTimeoutMs: number;
  isHighPriority: (eventType: string) => boolean;
}

/**
 * Every client-side call to delivery workflows: start holding a lease (idempotent by workflow
 * id `delivery:<del_id>`), grant a lease, manual retry and recovery, test, cancel, take over.
 */
export class DeliveryControl {
  constructor(private readonly temporal: TemporalConnector, private readonly options: DeliveryStartOptions) {}

  private async handle(deliveryId: string): Promise<WorkflowHandle<typeof deliveryWorkflow>> {
    return (await this.temporal.client()).workflow.getHandle(deliveryWorkflowId(deliveryId));
  }

  /** True while the delivery's workflow runs. */
  async isRunning(deliveryId: string): Promise<boolean> {
    return isWorkflowRunning(await this.handle(deliveryId));
  }

  /** Cancels these deliveries' workflows; one already closed or never started is skipped. */
  async cancel(deliveryIds: string[]): Promise<void> {
    const results = await Promise.allSettled(deliveryIds.map(async (id) => (await this.handle(id)).cancel()));
    const failures = results.flatMap((r) => (r.status === 'rejected' && !isWorkflowNotFound(r.reason) ? [r.reason as unknown] : []));
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} of ${deliveryIds.length} delivery workflows could not be cancelled`);
  }

  /** Tells a started delivery, waiting for it, that it holds this lease. False when its workflow no longer runs. */
  async grantLease(deliveryId: string, grant: LeaseGrant): Promise<boolean> {
    try {
      const client = await this.temporal.client();
      await client.withDeadline(Date.now() + HAND_OUT_DEADLINE_MS, async () => (await this.handle(deliveryId)).signal(leaseGrantedSignal, grant));
      return true;
    } catch (err) {
      if (isWorkflowNotFound(err)) return false;
      throw err;
    }
  }

  private startOptions(delivery: DeliveryToStart, trigger: AttemptTrigger, retryScheduleMs = this.options.retryScheduleMs, more: Partial<DeliveryWorkflowInput> = {}) {
    return {
      workflowId: deliveryWorkflowId(delivery.id),
      taskQueue: this.options.taskQueue,
      args: [{
        deliveryId: delivery.id,
        tenantId: delivery.tenant_id,
        webhookId: delivery.webhook_id,
        retryScheduleMs,
        firstTrigger: trigger,
        createdAtMs: delivery.created_at.getTime(),
        maxDeliveryAgeMs: this.options.maxDeliveryAgeMs,
        attemptTimeoutMs: this.options.attemptTimeoutMs,
        ...more,
      }],
      typedSearchAttributes: [
        { key: TenantIdKey, value: delivery.tenant_id },
        { key: WebhookIdKey, value: delivery.webhook_id },
        { key: EventTypeKey, value: delivery.event_type },
      ],
    } satisfies WorkflowStartOptions<typeof deliveryWorkflow>;
  }

  /**
   * Manual retry and recovery: a running delivery is told to retry now (cutting its wait
   * short; that attempt counts as manual); a closed one gets a new run with the same workflow
   * id that makes one attempt with this trigger. Its age limit counts from now: a delivery
   * dead-lettered days ago is attempted, not expired at once. Returns the run id.
   */
  async retryNow(delivery: DeliveryToStart, trigger: 'manual' | 'recovery' = 'manual'): Promise<string> {
    const client = await this.temporal.client();
    const handle = await client.workflow.signalWithStart<typeof deliveryWorkflow, []>(DELIVERY_WORKFLOW_TYPE, {
      ...this.startOptions({ ...delivery, created_at: new Date() }, trigger, []),
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      signal: retryNowSignal,
      signalArgs: [],
    });
    return handle.signaledRunId;
  }

  /** The outcome of one run of a delivery's workflow once it ends; null when it failed, was cancelled or terminated. */
  async awaitRun(deliveryId: string, runId: string): Promise<AttemptResult | null> {
    const client = await this.temporal.client();
    try {
      return await client.workflow.getHandle<typeof deliveryWorkflow>(deliveryWorkflowId(deliveryId), runId, { followRuns: false }).result();
    } catch (err) {
      if (err instanceof WorkflowFailedError || isWorkflowNotFound(err)) return null;
      throw err;
    }
  }

  /** A test delivery: one attempt, no retries; resolves with its outcome or null after `waitMs`. */
  async startTest(delivery: DeliveryToStart, waitMs: number) {
    const client = await this.temporal.client();
    const handle = await client.workflow.start<typeof deliveryWorkflow>(DELIVERY_WORKFLOW_TYPE, this.startOptions(delivery, 'test', []));
    return withDeadline(handle.result(), waitMs, null);
  }

  /**
   * Starts the delivery's workflow holding its first lease (a claim's hand-out), eagerly where
   * this process runs a worker. 'running' when it was started already (a lease granted again
   * after its first expired): the caller signals it. Tracing on: the start is a span in its
   * publish's trace.
   */
  async startWithLease(delivery: DeliveryToStart, firstLease: LeaseGrant): Promise<'started' | 'running'> {
    const client = await this.temporal.client();
    try {
      await client.withDeadline(Date.now() + HAND_OUT_DEADLINE_MS, () => withTraceParent(delivery.trace_parent, () => client.workflow.start<typeof deliveryWorkflow>(DELIVERY_WORKFLOW_TYPE, {
        // Its own schedule, as its webhook had it when it was created; else the installation's.
        ...this.startOptions(delivery, 'scheduled', delivery.retry_schedule_ms ?? undefined, { firstLease }),
        // A delivery whose workflow already ran must not run again by accident; manual retry is explicit.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        requestEagerStart: this.temporal.canStartEagerly,
      })));
      return 'started';
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return 'running';
    }
  }

  /**
   * Takes over a delivery the previous release's workflow held open (src/gate/handover.ts):
   * that run is terminated and this release's starts in its place, with the attempts made and
   * the wait left.
   */
  async takeOver(delivery: DeliveryToStart, resume: NonNullable<DeliveryWorkflowInput['resume']>): Promise<void> {
    const client = await this.temporal.client();
    await client.workflow.start<typeof deliveryWorkflow>(DELIVERY_WORKFLOW_TYPE, {
      ...this.startOptions(delivery, 'scheduled', delivery.retry_schedule_ms ?? undefined, { resume }),
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      workflowIdConflictPolicy: 'TERMINATE_EXISTING',
    });
  }
}
