import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type WorkflowStartOptions } from '@temporalio/client';
import type { deliveryWorkflow } from '../../workflows';
import { deliveryWorkflowId, retryNowSignal, type AttemptTrigger, type EndpointSettings } from '../../workflows/messages';
import { DeliveryStatusKey, EventTypeKey, TenantIdKey, WebhookIdKey } from '../../workflows/searchAttributes';
import type { TemporalConnector } from './client';
import { requestEndpointPermit } from './permits';

export interface DeliveryToStart {
  id: string;
  tenant_id: string;
  webhook_id: string;
  event_type: string;
  created_at: Date;
  /** Set when the webhook can be delivered to (active, not deleted): the starter then asks
   *  its endpoint workflow for the first permit itself. */
  max_concurrency?: number | null;
}

export interface StarterOptions {
  taskQueue: string;
  retryScheduleMs: number[];
  maxDeliveryAgeMs: number;
  attemptTimeoutMs: number;
  endpointSettings: EndpointSettings;
  isHighPriority: (eventType: string) => boolean;
}

/** Starts delivery workflows; starting is idempotent by workflow id (`delivery:<del_id>`). */
export class DeliveryStarter {
  constructor(private readonly temporal: TemporalConnector, private readonly options: StarterOptions) {}

  private startOptions(delivery: DeliveryToStart, trigger: AttemptTrigger, retryScheduleMs = this.options.retryScheduleMs, firstLeaseId?: string) {
    return {
      workflowId: deliveryWorkflowId(delivery.id),
      taskQueue: this.options.taskQueue,
      args: [{
        deliveryId: delivery.id,
        tenantId: delivery.tenant_id,
        webhookId: delivery.webhook_id,
        eventType: delivery.event_type,
        retryScheduleMs,
        firstTrigger: trigger,
        highPriority: this.options.isHighPriority(delivery.event_type),
        createdAtMs: delivery.created_at.getTime(),
        maxDeliveryAgeMs: this.options.maxDeliveryAgeMs,
        attemptTimeoutMs: this.options.attemptTimeoutMs,
        firstLeaseId,
      }],
      typedSearchAttributes: [
        { key: TenantIdKey, value: delivery.tenant_id },
        { key: WebhookIdKey, value: delivery.webhook_id },
        { key: EventTypeKey, value: delivery.event_type },
        { key: DeliveryStatusKey, value: 'pending' },
      ],
    } satisfies WorkflowStartOptions<typeof deliveryWorkflow>;
  }

  /**
   * Manual retry: a running delivery is told to retry now (cutting its wait short); a closed
   * one gets a new run with the same workflow id that makes one manual attempt.
   */
  async retryNow(delivery: DeliveryToStart): Promise<void> {
    const client = await this.temporal.client();
    await client.workflow.signalWithStart<typeof deliveryWorkflow, []>('deliveryWorkflow', {
      ...this.startOptions(delivery, 'manual', []),
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      signal: retryNowSignal,
      signalArgs: [],
    });
  }

  /** A test delivery: one attempt, no retries; resolves with its outcome or null after `waitMs`. */
  async startTest(delivery: DeliveryToStart, waitMs: number) {
    const client = await this.temporal.client();
    const handle = await client.workflow.start<typeof deliveryWorkflow>('deliveryWorkflow', this.startOptions(delivery, 'test', []));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), waitMs);
    });
    try {
      return await Promise.race([handle.result(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Starts one workflow per delivery and asks the endpoint workflow for its first permit (one
   * workflow task fewer than the delivery asking itself); returns the ids now running (or
   * already were). Both steps are idempotent, so the dispatcher may repeat them after a crash.
   */
  async startAll(deliveries: DeliveryToStart[], trigger: AttemptTrigger = 'scheduled'): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const client = await this.temporal.client();
    const results = await Promise.allSettled(deliveries.map(async (delivery) => {
      const leaseId = delivery.max_concurrency ? firstLeaseId(delivery.id) : undefined;
      const options = this.startOptions(delivery, trigger, undefined, leaseId);
      try {
        await client.workflow.start<typeof deliveryWorkflow>('deliveryWorkflow', {
          ...options,
          // A delivery whose workflow already ran must not run again by accident (e.g. the
          // dispatcher after a crash between start and bookkeeping); manual retry is explicit.
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          requestEagerStart: this.temporal.canStartEagerly,
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      if (leaseId) {
        const target = { webhookId: delivery.webhook_id, tenantId: delivery.tenant_id, maxConcurrency: delivery.max_concurrency as number };
        const request = { leaseId, deliveryId: delivery.id, high: options.args[0].highPriority };
        await requestEndpointPermit(client, target, request, { taskQueue: this.options.taskQueue, settings: this.options.endpointSettings });
      }
      return delivery.id;
    }));
    return results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  }
}

/** The lease id of a delivery's first permit, known to both the starter and the workflow. */
export const firstLeaseId = (deliveryId: string): string => `${deliveryId}:first`;
