import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowIdReusePolicy, type Client, type WorkflowHandle, type WorkflowStartOptions } from '@temporalio/client';
import type { deliveryWorkflowV2 as deliveryWorkflow } from '../../workflows';
import { deliveryWorkflowId, retryNowSignal } from '../../workflows/messages';
import { permitGrantedSignal } from '../../workflows/permits/messages';
import type { AttemptResult, AttemptTrigger, PermitGrant } from '../../workflows/types';
import { EventTypeKey, TenantIdKey, WebhookIdKey } from '../../workflows/searchAttributes';
import type { DeliveryToStart } from '../db/types';
import { isWorkflowNotFound, type TemporalConnector } from './client';
import { withDeadline } from '../infra/deadline';
import { withTraceParent } from '../tracing';

const BATCH_CALL_DEADLINE_MS = 1500;

/** The delivery workflow type started today (the previous release's, deliveryWorkflow, only finishes its runs). */
const DELIVERY_WORKFLOW_TYPE = 'deliveryWorkflowV2';

export interface DeliveryStartOptions {
  taskQueue: string;
  retryScheduleMs: number[];
  maxDeliveryAgeMs: number;
  attemptTimeoutMs: number;
  isHighPriority: (eventType: string) => boolean;
}

/**
 * Every client-side call to delivery workflows: start holding a permit (idempotent by workflow
 * id `delivery:<del_id>`), grant, manual retry and recovery, test, cancel.
 */
export class DeliveryControl {
  constructor(private readonly temporal: TemporalConnector, private readonly options: DeliveryStartOptions) {}

  private async handle(deliveryId: string): Promise<WorkflowHandle<typeof deliveryWorkflow>> {
    return (await this.temporal.client()).workflow.getHandle(deliveryWorkflowId(deliveryId));
  }

  /** Cancels these deliveries' workflows; one already closed or never started is skipped. */
  async cancel(deliveryIds: string[]): Promise<void> {
    const results = await Promise.allSettled(deliveryIds.map(async (id) => (await this.handle(id)).cancel()));
    const failures = results.flatMap((r) => (r.status === 'rejected' && !isWorkflowNotFound(r.reason) ? [r.reason as unknown] : []));
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} of ${deliveryIds.length} delivery workflows could not be cancelled`);
  }

  /** Tells a started delivery it holds the permit it asked for. False when its workflow no longer runs. */
  async grant(deliveryId: string, grant: PermitGrant): Promise<boolean> {
    try {
      await (await this.handle(deliveryId)).signal(permitGrantedSignal, grant);
      return true;
    } catch (err) {
      if (isWorkflowNotFound(err)) return false;
      throw err;
    }
  }

  private startOptions(delivery: DeliveryToStart, trigger: AttemptTrigger, retryScheduleMs = this.options.retryScheduleMs, firstGrant?: PermitGrant) {
    return {
      workflowId: deliveryWorkflowId(delivery.id),
      taskQueue: this.options.taskQueue,
      args: [{
        deliveryId: delivery.id,
        tenantId: delivery.tenant_id,
        webhookId: delivery.webhook_id,
        retryScheduleMs,
        firstTrigger: trigger,
        highPriority: this.options.isHighPriority(delivery.event_type),
        createdAtMs: delivery.created_at.getTime(),
        maxDeliveryAgeMs: this.options.maxDeliveryAgeMs,
        attemptTimeoutMs: this.options.attemptTimeoutMs,
        ...(firstGrant ? { firstGrant } : {}),
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
   * Starts these deliveries' workflows holding their first permits (the endpoint's grant batch).
   * One running already (the batch repeated) gets its grant by signal, which it ignores when it
   * has it. Returns the ids now running; throws when some could not be started (the batch is
   * then repeated).
   */
  async startHolding(items: Array<{ delivery: DeliveryToStart; grant: PermitGrant }>): Promise<string[]> {
    if (items.length === 0) return [];
    const client = await this.temporal.client();
    // Bounded, so a batch through a Temporal outage fails fast and is repeated at a later turn,
    // rather than holding its endpoint's workflow task open.
    const results = await Promise.allSettled(items.map(({ delivery, grant }) => client.withDeadline(Date.now() + BATCH_CALL_DEADLINE_MS, async () => {
      if (!(await this.start(client, delivery, grant))) await this.grant(delivery.id, grant);
      return delivery.id;
    })));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    if (failures.length > 0) throw new AggregateError(failures, `${failures.length} of ${items.length} deliveries did not start`);
    return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }

  /** False when the workflow was running already. Tracing on: the start is a span in its publish's trace. */
  private async start(client: Client, delivery: DeliveryToStart, grant: PermitGrant): Promise<boolean> {
    try {
      await withTraceParent(delivery.trace_parent, () => client.workflow.start<typeof deliveryWorkflow>(DELIVERY_WORKFLOW_TYPE, {
        // Its own schedule, as its webhook had it when it was created; else the installation's.
        ...this.startOptions(delivery, 'scheduled', delivery.retry_schedule_ms ?? undefined, grant),
        // A delivery whose workflow already ran must not run again by accident (a grant batch
        // repeated after a crash); manual retry is explicit.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        requestEagerStart: this.temporal.canStartEagerly,
      }));
      return true;
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      return false;
    }
  }
}
