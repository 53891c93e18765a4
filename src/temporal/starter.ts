import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/client';
import type { deliveryWorkflow } from '../../workflows';
import { deliveryWorkflowId, type AttemptTrigger } from '../../workflows/messages';
import { DeliveryStatusKey, EventTypeKey, TenantIdKey, WebhookIdKey } from '../../workflows/searchAttributes';
import type { TemporalConnector } from './client';

export interface DeliveryToStart {
  id: string;
  tenant_id: string;
  webhook_id: string;
  event_type: string;
}

export interface StarterOptions {
  taskQueue: string;
  retryScheduleMs: number[];
}

/** Starts delivery workflows; starting is idempotent by workflow id (`delivery:<del_id>`). */
export class DeliveryStarter {
  constructor(private readonly temporal: TemporalConnector, private readonly options: StarterOptions) {}

  /** Starts one workflow per delivery; returns the ids that are now running (or already were). */
  async startAll(deliveries: DeliveryToStart[], trigger: AttemptTrigger = 'scheduled'): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const client = await this.temporal.client();
    const results = await Promise.allSettled(
      deliveries.map(async (delivery) => {
        try {
          await client.workflow.start<typeof deliveryWorkflow>('deliveryWorkflow', {
            workflowId: deliveryWorkflowId(delivery.id),
            taskQueue: this.options.taskQueue,
            // A delivery whose workflow already ran must not run again by accident (e.g. the
            // dispatcher after a crash between start and bookkeeping); manual retry is explicit.
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            args: [{
              deliveryId: delivery.id,
              tenantId: delivery.tenant_id,
              webhookId: delivery.webhook_id,
              eventType: delivery.event_type,
              retryScheduleMs: this.options.retryScheduleMs,
              firstTrigger: trigger,
            }],
            typedSearchAttributes: [
              { key: TenantIdKey, value: delivery.tenant_id },
              { key: WebhookIdKey, value: delivery.webhook_id },
              { key: EventTypeKey, value: delivery.event_type },
              { key: DeliveryStatusKey, value: 'pending' },
            ],
          });
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
        return delivery.id;
      }),
    );
    return results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  }
}
