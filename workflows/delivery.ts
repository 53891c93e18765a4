import { CancellationScope, condition, isCancellation, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import { DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_MAX_DELIVERY_AGE_MS } from './defaults';
import { WEBHOOK_RETIRED_ERROR } from './statuses';
import { leaseGrantedSignal, retryNowSignal } from './messages';
import type { AttemptResult, AttemptTrigger, DeliveryActivities, DeliveryOutcomeStatus, DeliveryWorkflowInput } from './types';
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
  // The proxies answer any name: each is picked by name (a spread would copy nothing).
  const { askForLease, leaveQueue, giveBackLeases, setDeliveryStatus } = bookkeeping;
  return { attemptDelivery: attempt.attemptDelivery, askForLease, leaveQueue, giveBackLeases, setDeliveryStatus };
}

/**
 * One delivery of one event to one webhook (docs/permits.md). Started by a claim holding its
 * first attempt's lease: it attempts in its first workflow task, and on a 2xx completes in that
 * same task. A later attempt (after the retry wait, a durable timer cut short by a manual
 * retry) puts its row back in the queue and waits for its lease, up to the maximum delivery
 * age. The attempt's record gives the lease back. Succeeded on the first 2xx, dead-lettered
 * after the last failure or when it waited past the age limit.
 */
export async function deliveryWorkflowV3(input: DeliveryWorkflowInput): Promise<AttemptResult> {
  const { attemptDelivery, askForLease, leaveQueue, giveBackLeases, setDeliveryStatus } = activities(input);
  const deadline = (input.createdAtMs ?? Date.now()) + (input.maxDeliveryAgeMs ?? DEFAULT_MAX_DELIVERY_AGE_MS);
  const status = statusAttribute();
  let lease: string | null = input.firstLease?.leaseId ?? null;
  let asking = false;
  /** In a retry's wait: nothing is asked for. */
  let waiting = false;
  // Manual retries asked for, and those an attempt served: a run started by a retry serves
  // the signal that started it with its first attempt.
  let retriesAsked = 0;
  let retriesServed = input.firstTrigger === 'manual' || input.firstTrigger === 'recovery' ? 1 : 0;
  const retryPending = () => retriesAsked > retriesServed;

  setHandler(leaseGrantedSignal, ({ leaseId }) => {
    if (leaseId === lease) return;
    // In a retry's wait nothing was asked for: it goes back (the row joins the queue after the wait).
    if (waiting) {
      void giveBackLeases({ leaseIds: [leaseId] });
      return;
    }
    // Otherwise the newest wins: a delivery has one live lease at a time, so one it still holds
    // unused has expired (its first task came late, and the row was claimed again).
    if (lease !== null) void giveBackLeases({ leaseIds: [lease] });
    lease = leaseId;
  });
  setHandler(retryNowSignal, () => {
    retriesAsked++;
  });

  /** A lease granted during an attempt, or a wait, is not kept. */
  async function dropSpare(): Promise<void> {
    if (lease === null) return;
    const spare = lease;
    lease = null;
    await giveBackLeases({ leaseIds: [spare] });
  }

  /** The lease for the next attempt: held already, or asked for through the queue. */
  async function acquire(): Promise<string | 'expired' | 'gone' | { ended: DeliveryOutcomeStatus }> {
    if (lease) return lease;
    asking = true;
    const asked = await askForLease({ deliveryId: input.deliveryId });
    if (!asked) return 'gone';
    // Ended already: an earlier execution of this task (failed after its local activities) made the attempt.
    if (asked.ended) return { ended: asked.ended };
    if (asked.lease && lease === null) lease = asked.lease.leaseId;
    if (asked.held && lease === null) status('waiting_circuit');
    const remaining = deadline - Date.now();
    if (!(remaining > 0 && (await condition(() => lease !== null, remaining))) && (await leaveQueue({ deliveryId: input.deliveryId }))) {
      return 'expired';
    }
    await condition(() => lease !== null); // granted, or claimed just as it left: the lease is on its way
    return lease as string | null ?? 'gone';
  }

  async function attemptOnce(trigger: AttemptTrigger, scheduledWaitMs: number | null): Promise<AttemptResult> {
    for (;;) {
      const held = await acquire();
      asking = false;
      if (held === 'expired' || held === 'gone') return finish(input, setDeliveryStatus, held);
      if (typeof held !== 'string') return { attemptNumber: 0, status: held.ended, statusCode: null, error: null, durationMs: 0, nextWaitMs: null };
      lease = null;
      const result = await attemptDelivery({ deliveryId: input.deliveryId, webhookId: input.webhookId, trigger, scheduledWaitMs, leaseId: held });
      if (!result.leaseLost) return result;
    }
  }

  try {
    const schedule = input.retryScheduleMs;
    let trigger: AttemptTrigger = input.firstTrigger ?? 'scheduled';
    let first = 0;
    if (input.resume) {
      first = Math.min(input.resume.attemptsMade, schedule.length);
      waiting = true;
      if (input.resume.waitMs > 0 && !retryPending()) await condition(retryPending, input.resume.waitMs);
      waiting = false;
    }
    for (let index = first; ; index++) {
      const result = await attemptOnce(trigger, index < schedule.length ? schedule[index] : null);
      status(result.status);
      // A manual retry that arrived while the attempt ran (its signal may even come first in
      // the history: a signal that raced the task's completion) cuts the next wait short, or
      // gets an attempt of its own; a run can't complete while a signal is pending, so none is lost.
      await dropSpare();
      if (result.status === 'retrying' && result.nextWaitMs !== null) {
        waiting = true;
        trigger = retryPending() || (await condition(retryPending, result.nextWaitMs)) ? 'manual' : 'scheduled';
        waiting = false;
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
      // Webhook deleted or deactivated: leave the queue, give back a lease not used, say so.
      await CancellationScope.nonCancellable(async () => {
        if (asking) await leaveQueue({ deliveryId: input.deliveryId });
        if (lease) await giveBackLeases({ leaseIds: [lease] });
        await setDeliveryStatus({ deliveryId: input.deliveryId, status: 'cancelled', error: WEBHOOK_RETIRED_ERROR });
        status('cancelled');
      });
    }
    throw err;
  }
}

