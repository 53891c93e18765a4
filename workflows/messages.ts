// Types and message definitions shared by workflows, activities and the API.
// Only type imports and @temporalio/workflow definitions here: this file is bundled into workflows.

export type AttemptTrigger = 'scheduled' | 'manual' | 'test';

export type DeliveryOutcomeStatus = 'succeeded' | 'retrying' | 'dead_lettered' | 'cancelled';

export interface DeliveryWorkflowInput {
  deliveryId: string;
  tenantId: string;
  webhookId: string;
  eventType: string;
  /** Waits before retries 1..n (ms). Carried in the input so running deliveries keep the
   *  schedule they started with even if the configuration changes. */
  retryScheduleMs: number[];
  /** Trigger of the first attempt of this run ('manual' when a closed delivery is retried). */
  firstTrigger?: AttemptTrigger;
}

export interface AttemptRequest {
  deliveryId: string;
  trigger: AttemptTrigger;
  /** The scheduled wait before the next attempt, or null when this is the last attempt. */
  scheduledWaitMs: number | null;
}

export interface AttemptResult {
  attemptNumber: number;
  /** New status of the delivery after this attempt. */
  status: DeliveryOutcomeStatus;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** How long to wait before the next attempt (scheduled wait, lengthened by Retry-After). */
  nextWaitMs: number | null;
}

export const DELIVERY_WORKFLOW_ID_PREFIX = 'delivery:';
export const deliveryWorkflowId = (deliveryId: string): string => `${DELIVERY_WORKFLOW_ID_PREFIX}${deliveryId}`;
