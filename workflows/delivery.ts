import { CancellationScope, condition, isCancellation, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import { DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_MAX_DELIVERY_AGE_MS } from './defaults';
import { WEBHOOK_RETIRED_ERROR } from './statuses';
import { retryNowSignal } from './messages';
import { permitGrantedSignal } from './permits/messages';
import type { AttemptResult, AttemptTrigger, DeliveryActivities, DeliveryWorkflowInput, PermitGrant } from './types';
import { finish, statusAttribute } from './deliverySteps';

function activities(input: DeliveryWorkflowInput) {
  // Local activities: run in the worker that holds the workflow task, with no activity task to
  // dispatch, recorded as one marker each and run again elsewhere after a crash. The attempt's
  // bound only catches a worker that died mid-attempt (the HTTP timeout is inside it).
  const attempt = proxyLocalActivities<DeliveryActivities>({
    startToCloseTimeout: input.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
    retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 },
  });
  const bookkeeping = proxyLocalActivities<DeliveryActivities>({
    startToCloseTimeout: '30s',
    retry: { initialInterval: '200ms', maximumInterval: '30s', backoffCoefficient: 2 },
  });
  const { askForPermit, withdrawPermitRequest, returnPermits, setDeliveryStatus } = bookkeeping;
  return { attemptDelivery: attempt.attemptDelivery, askForPermit, withdrawPermitRequest, returnPermits, setDeliveryStatus };
}

/**
 * One delivery of one event to one webhook (docs/permits.md). Started by its endpoint's grant,
 * holding the first attempt's permit: it attempts in its first workflow task, and on a 2xx
 * completes in that same task. A later attempt (after the retry wait, cut short by a manual
 * retry) puts its row back in the endpoint's queue and waits for the grant signal, up to the
 * maximum delivery age. The attempt gives the permit back with its outcome. Succeeded on the
 * first 2xx, dead-lettered after the last failure or when it waited past the age limit.
 */
export async function deliveryWorkflowV2(input: DeliveryWorkflowInput): Promise<AttemptResult> {
  const { attemptDelivery, askForPermit, withdrawPermitRequest, returnPermits, setDeliveryStatus } = activities(input);
  const deadline = (input.createdAtMs ?? Date.now()) + (input.maxDeliveryAgeMs ?? DEFAULT_MAX_DELIVERY_AGE_MS);
  const status = statusAttribute();
  let grant: PermitGrant | null = input.firstGrant ?? null;
  let asking = false;
  const received = new Set<string>(grant ? [grant.leaseId] : []);
  // Manual retries asked for, and those an attempt served: a run started by a retry serves
  // the signal that started it with its first attempt.
  let retriesAsked = 0;
  let retriesServed = input.firstTrigger === 'manual' || input.firstTrigger === 'recovery' ? 1 : 0;
  const retryPending = () => retriesAsked > retriesServed;

  setHandler(permitGrantedSignal, (granted) => {
    if (received.has(granted.leaseId)) return; // a repeated grant batch
    received.add(granted.leaseId);
    if (asking && grant === null) grant = granted;
    else void returnPermits({ webhookId: input.webhookId, leaseIds: [granted.leaseId] }); // not asked for
  });
  setHandler(retryNowSignal, () => {
    retriesAsked++;
  });

  /** The permit for the next attempt: held already, or asked for through the queue. */
  async function acquire(): Promise<PermitGrant | 'expired' | 'gone'> {
    if (grant) return grant;
    asking = true;
    const asked = await askForPermit({ deliveryId: input.deliveryId });
    if (!asked) return 'gone';
    if (asked.held) status('waiting_circuit');
    const remaining = deadline - Date.now();
    if (!(remaining > 0 && (await condition(() => grant !== null, remaining))) && (await withdrawPermitRequest({ deliveryId: input.deliveryId }))) {
      return 'expired';
    }
    await condition(() => grant !== null); // granted, or claimed just as it withdrew: the grant is on its way
    return grant as PermitGrant | null ?? 'gone';
  }

  async function attemptOnce(trigger: AttemptTrigger, scheduledWaitMs: number | null): Promise<AttemptResult> {
    const permit = await acquire();
    asking = false;
    if (typeof permit === 'string') return finish(input, setDeliveryStatus, permit);
    grant = null;
    return attemptDelivery({
      deliveryId: input.deliveryId, trigger, scheduledWaitMs, permit: { webhookId: input.webhookId, leaseId: permit.leaseId, probe: permit.probe },
    });
  }

  try {
    const schedule = input.retryScheduleMs;
    let trigger: AttemptTrigger = input.firstTrigger ?? 'scheduled';
    for (let index = 0; ; index++) {
      const result = await attemptOnce(trigger, index < schedule.length ? schedule[index] : null);
      status(result.status);
      // A manual retry that arrived while the attempt ran (its signal may even come first in
      // the history: a signal that raced the task's completion) cuts the next wait short, or
      // gets an attempt of its own; a run can't complete while a signal is pending, so none is lost.
      if (result.status === 'retrying' && result.nextWaitMs !== null) {
        trigger = retryPending() || (await condition(retryPending, result.nextWaitMs)) ? 'manual' : 'scheduled';
        retriesServed = retriesAsked;
        continue;
      }
      if (!retryPending() || result.status === 'cancelled') return result;
      retriesServed = retriesAsked;
      trigger = 'manual';
      index = Math.max(index, schedule.length - 1);
    }
  } catch (err) {
    if (isCancellation(err)) {
      // Webhook deleted or deactivated: leave the queue, give back a permit not used, say so.
      await CancellationScope.nonCancellable(async () => {
        if (asking) await withdrawPermitRequest({ deliveryId: input.deliveryId });
        if (grant) await returnPermits({ webhookId: input.webhookId, leaseIds: [grant.leaseId] });
        await setDeliveryStatus({ deliveryId: input.deliveryId, status: 'cancelled', error: WEBHOOK_RETIRED_ERROR });
        status('cancelled');
      });
    }
    throw err;
  }
}
