// Steps of the delivery workflow kept apart: its search attribute and its end without an attempt.
import { upsertSearchAttributes } from '@temporalio/workflow';
import { EXPIRED_ERROR, WEBHOOK_RETIRED_ERROR } from './statuses';
import type { AttemptResult, DeliveryActivities, DeliveryStatus, DeliveryWorkflowInput } from './types';
import { DeliveryStatusKey } from './searchAttributes';

/**
 * The DeliveryStatus search attribute, written only off the common path: a delivery that succeeds
 * at its first try (most of them) has none and ends Completed, which saves an event and a
 * visibility write per delivery. Once set (retrying, waiting, ...), it follows every change.
 */
export function statusAttribute(): (value: DeliveryStatus) => void {
  let shown: DeliveryStatus | null = null;
  return (value) => {
    if (value === shown || (value === 'succeeded' && shown === null)) return;
    shown = value;
    upsertSearchAttributes([{ key: DeliveryStatusKey, value }]);
  };
}

/** Ends the delivery without an attempt. */
export async function finish(
  input: DeliveryWorkflowInput, setDeliveryStatus: DeliveryActivities['setDeliveryStatus'], why: 'expired' | 'gone',
): Promise<AttemptResult> {
  const outcome = why === 'expired'
    ? { status: 'dead_lettered' as const, error: EXPIRED_ERROR }
    : { status: 'cancelled' as const, error: WEBHOOK_RETIRED_ERROR };
  await setDeliveryStatus({ deliveryId: input.deliveryId, status: outcome.status, error: outcome.error });
  return { attemptNumber: 0, statusCode: null, durationMs: 0, nextWaitMs: null, ...outcome };
}

