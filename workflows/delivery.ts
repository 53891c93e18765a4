import { proxyActivities, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { DeliveryActivities } from '../activities';
import type { AttemptResult, AttemptTrigger, DeliveryWorkflowInput } from './messages';
import { DeliveryStatusKey } from './searchAttributes';

const { attemptDelivery } = proxyActivities<DeliveryActivities>({
  // The HTTP attempt itself is bounded by the delivery timeout inside the activity; this
  // bound only catches a worker that died mid-attempt, so the attempt is run again.
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 },
});

/**
 * One delivery of one event to one webhook: attempt at once, then wait the configured
 * schedule between attempts; succeeded on the first 2xx, dead-lettered after the last failure.
 */
export async function deliveryWorkflow(input: DeliveryWorkflowInput): Promise<AttemptResult> {
  const schedule = input.retryScheduleMs;
  let trigger: AttemptTrigger = input.firstTrigger ?? 'scheduled';
  for (let index = 0; ; index++) {
    const scheduledWaitMs = index < schedule.length ? schedule[index] : null;
    const result = await attemptDelivery({ deliveryId: input.deliveryId, trigger, scheduledWaitMs });
    upsertSearchAttributes([{ key: DeliveryStatusKey, value: result.status }]);
    if (result.status !== 'retrying' || result.nextWaitMs === null) return result;
    await sleep(result.nextWaitMs);
    trigger = 'scheduled';
  }
}
