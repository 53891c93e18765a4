import {
  CancellationScope, condition, getExternalWorkflowHandle, isCancellation, proxyActivities, proxyLocalActivities, setHandler, workflowInfo,
  type RetryPolicy,
} from '@temporalio/workflow';
import { DEFAULT_ATTEMPT_TIMEOUT_MS, DEFAULT_MAX_DELIVERY_AGE_MS } from '../defaults';
import { permitOutcome, WEBHOOK_RETIRED_ERROR } from '../statuses';
import { endpointWorkflowId, retryNowSignal } from '../messages';
import { acquirePermitSignal, askAgainSignal, circuitWaitingSignal, permitGrantedSignal, releasePermitSignal } from '../permits/messages';
import type { AttemptResult, AttemptTrigger, DeliveryWorkflowInput, Outcome, PermitRequest } from '../types';
import type { LegacyDeliveryActivities as DeliveryActivities } from './types';
import { DeliveryPermit } from './permitState';
import { finish, statusAttribute } from '../deliverySteps';

function activities(input: DeliveryWorkflowInput) {
  const options = {
    // The HTTP attempt is bounded inside the activity; this bound only catches a worker that
    // died mid-attempt, so the attempt runs again elsewhere (at-least-once).
    startToCloseTimeout: input.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS,
    retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 } satisfies RetryPolicy,
  };
  // (Activity proxies are Proxy objects: pick functions by name, spreading copies nothing.)
  const { requestPermit, setDeliveryStatus } = proxyActivities<DeliveryActivities>(options);
  return {
    requestPermit,
    setDeliveryStatus,
    // The attempt runs as a local activity: in the worker that holds the workflow task, with
    // no activity task to dispatch (one round trip and workflow task fewer per attempt). It
    // is still recorded in history (a marker) and re-run by another worker after a crash.
    attemptDelivery: proxyLocalActivities<DeliveryActivities>(options).attemptDelivery,
  };
}

/** The endpoint workflow as a delivery talks to it: permit requests and releases. */
function endpointMessages(input: DeliveryWorkflowInput, requestPermit: DeliveryActivities['requestPermit']) {
  const endpoint = getExternalWorkflowHandle(endpointWorkflowId(input.webhookId));
  return {
    async releasePermit(leaseId: string, outcome: Outcome): Promise<void> {
      try {
        await endpoint.signal(releasePermitSignal, { leaseId, outcome });
      } catch {
        // The endpoint workflow is gone (webhook deleted); there is nothing to give back.
      }
    },
    /** Sends a permit request; starts the endpoint workflow when it isn't running. False: webhook gone. */
    async sendRequest(request: PermitRequest): Promise<boolean> {
      try {
        await endpoint.signal(acquirePermitSignal, request);
        return true;
      } catch {
        return requestPermit({ webhookId: input.webhookId, tenantId: input.tenantId, request });
      }
    },
  };
}

/**
 * The delivery workflow of the previous release, kept unchanged under its type name so that
 * its runs open during an upgrade finish and its histories replay (the current type is
 * deliveryWorkflowV2). One delivery of one event to one webhook. Each attempt: take a permit from the endpoint
 * workflow (which may hold it while the circuit is open), POST, give the permit back with the
 * outcome; then wait the schedule (cut short by a manual retry). Succeeded on the first 2xx,
 * dead-lettered after the last failure or when it waited past the maximum delivery age.
 */
export async function deliveryWorkflow(input: DeliveryWorkflowInput): Promise<AttemptResult> {
  const { attemptDelivery, requestPermit, setDeliveryStatus } = activities(input);
  const { releasePermit, sendRequest } = endpointMessages(input, requestPermit);
  const deadline = (input.createdAtMs ?? Date.now()) + (input.maxDeliveryAgeMs ?? DEFAULT_MAX_DELIVERY_AGE_MS);
  // Made before the handlers: a grant for the starter's request may already be waiting.
  const permitState = new DeliveryPermit(workflowInfo().runId, input);
  let retryNow = false;

  setHandler(permitGrantedSignal, (grant) => {
    const stale = permitState.received(grant);
    if (stale !== null) void releasePermit(stale, 'none'); // a grant for an abandoned request
  });
  setHandler(circuitWaitingSignal, ({ leaseId }) => permitState.circuitHolds(leaseId));
  setHandler(retryNowSignal, () => {
    retryNow = true;
  });
  setHandler(askAgainSignal, () => permitState.askAgain());

  const status = statusAttribute();

  /** Waits for a permit: 'expired' past the maximum age, 'gone' when the webhook no longer exists. */
  async function acquirePermit(): Promise<'granted' | 'expired' | 'gone'> {
    // The first permit was asked for by the starter (when it did); every later one by this workflow.
    const { leaseId, send } = permitState.next();
    const request = { leaseId, deliveryId: input.deliveryId, high: input.highPriority ?? false };
    if (send && !(await sendRequest(request))) return 'gone';
    permitState.sent();
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        await releasePermit(leaseId, 'none'); // leave the endpoint's queue
        permitState.done();
        return 'expired';
      }
      // The age limit holds deliveries the circuit keeps waiting (the endpoint tells them so);
      // one merely queued for a free permit waits with no timer at all, so a delivery that is
      // granted at once leaves no timer in its history.
      const woken = () => permitState.wake() !== null;
      if (permitState.waitsForCircuit) await condition(woken, remaining);
      else await condition(woken);
      const wake = permitState.takeWake();
      if (wake === 'granted') return 'granted';
      if (wake === 'circuit') {
        await setDeliveryStatus({ deliveryId: input.deliveryId, status: 'waiting_circuit' });
        status('waiting_circuit');
      } else if (wake === 'askAgain' && !(await sendRequest(request))) {
        // The endpoint workflow was lost (e.g. terminated by an operator): asking again starts
        // a new one (a live endpoint ignores the repeat, same lease id), unless the webhook is gone.
        return 'gone';
      }
    }
  }

  async function attemptOnce(trigger: AttemptTrigger, scheduledWaitMs: number | null): Promise<AttemptResult> {
    const permit = await acquirePermit();
    if (permit !== 'granted') return finish(input, setDeliveryStatus, permit);
    const leaseId = permitState.requested as string;
    let outcome: Outcome = 'none';
    let released = false;
    try {
      const permit = { webhookId: input.webhookId, leaseId };
      const result = await attemptDelivery({ deliveryId: input.deliveryId, trigger, scheduledWaitMs, permit });
      outcome = permitOutcome(result.status);
      released = result.permitReleased === true;
      return result;
    } finally {
      permitState.done();
      if (!released) await CancellationScope.nonCancellable(() => releasePermit(leaseId, outcome));
    }
  }

  try {
    const schedule = input.retryScheduleMs;
    let trigger: AttemptTrigger = input.firstTrigger ?? 'scheduled';
    for (let index = 0; ; index++) {
      retryNow = false;
      const result = await attemptOnce(trigger, index < schedule.length ? schedule[index] : null);
      status(result.status);
      if (result.status === 'retrying' && result.nextWaitMs !== null) {
        trigger = (await condition(() => retryNow, result.nextWaitMs)) ? 'manual' : 'scheduled';
        continue;
      }
      // A manual retry that arrived while the last attempt ran gets its own attempt: a run
      // can't complete while a signal is pending, so none is ever lost here.
      if (!retryNow || result.status === 'cancelled') return result;
      trigger = 'manual';
      index = Math.max(index, schedule.length - 1);
    }
  } catch (err) {
    if (isCancellation(err)) {
      // Webhook deleted or deactivated: give back a queued request and say so.
      await CancellationScope.nonCancellable(async () => {
        if (permitState.requested) await releasePermit(permitState.requested, 'none');
        await setDeliveryStatus({ deliveryId: input.deliveryId, status: 'cancelled', error: WEBHOOK_RETIRED_ERROR });
        status('cancelled');
      });
    }
    throw err;
  }
}
