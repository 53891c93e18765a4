import {
  allHandlersFinished, condition, continueAsNew, patched, proxyActivities, proxyLocalActivities, setHandler, sleep, workflowInfo,
} from '@temporalio/workflow';
import { Gate } from './gate';
import {
  acquirePermitSignal, acquirePermitsSignal, admitNowUpdate, configureEndpointSignal, endpointStatusQuery, releasePermitSignal, releasePermitsSignal,
  resetCircuitSignal, shutdownEndpointSignal, wakeSignal,
} from '../permits/messages';
import type { EndpointStatus, EndpointWorkflowInput, PermitRelease, PermitRequest } from '../types';
import type { DeliveryNotice, LegacyDeliveryActivities as DeliveryActivities } from './types';

/** Marks where a run of the previous release's endpoint loop continues as new into the permit queue's. */
export const PERMIT_QUEUE_UPGRADE = 'permit-queue-upgrade';

const { recordCircuitState } = proxyActivities<DeliveryActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});
// Notices go out as one local activity per loop turn: a batch of client signals costs the
// endpoint's history one marker, where a signal per delivery from the workflow would cost
// two events and a workflow task each. A notice may be sent twice (a task's replay after it
// failed); a delivery then gets a grant it holds already, and should that refuse its
// completion, its attempt runs again under the same lease and reports the recorded outcome
// instead of sending again (see attempt.ts).
const { notifyDeliveries } = proxyLocalActivities<DeliveryActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '30s' },
});

/**
 * A busy endpoint gets several signals per permit. Its run is replayed from the start after any
 * eviction from the worker's cache (a failed or timed-out task), so runs stay short enough to
 * replay in well under a second even on a loaded worker.
 */
const MAX_RUN_EVENTS = 1000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * The endpoint loop of the previous release, unchanged but for its way out: run only by the
 * replay of runs begun before the permit queue (see ../endpoint.ts). At its first turn on the
 * current code it continues as new, carrying its whole state (the same shape), so the run
 * goes on as the current gate. Its wake handler only makes it take that turn.
 */
export async function legacyEndpointLoop(input: EndpointWorkflowInput): Promise<void> {
  const gate = new Gate(input.state, input.settings);
  const grantedAtStart = input.state.granted;
  let dirty = true;
  let stopping = false;
  let sweepArmed = false;
  let halfOpenTimerFor: number | null = null;
  let rateTimerFor: number | null = null;

  const wake = () => {
    dirty = true;
  };
  // One request or release per signal (a delivery's own), or a batch (starter, workers).
  const enqueue = (requests: PermitRequest[]) => {
    requests.forEach((request) => gate.enqueue(request));
    wake();
  };
  const release = (releases: PermitRelease[]) => {
    releases.forEach(({ leaseId, outcome }) => gate.release(leaseId, outcome, Date.now()));
    wake();
  };
  setHandler(acquirePermitSignal, (request) => enqueue([request]));
  setHandler(acquirePermitsSignal, enqueue);
  setHandler(releasePermitSignal, (one) => release([one]));
  setHandler(releasePermitsSignal, release);
  setHandler(admitNowUpdate, (requests) => {
    const admitted = gate.admitNow(requests, Date.now());
    if (admitted.length > 0) wake(); // lease expiry timer
    return admitted.map((l) => ({ leaseId: l.leaseId, probe: l.probe }));
  });
  setHandler(resetCircuitSignal, () => {
    gate.reset();
    wake();
  });
  setHandler(configureEndpointSignal, ({ maxConcurrency, rateLimitPerS }) => {
    if (maxConcurrency !== undefined) gate.setMaxConcurrency(maxConcurrency);
    if (rateLimitPerS !== undefined) gate.setRateLimit(rateLimitPerS, Date.now());
    wake();
  });
  setHandler(shutdownEndpointSignal, () => {
    stopping = true;
  });
  setHandler(wakeSignal, wake);
  setHandler(endpointStatusQuery, (): EndpointStatus => {
    const s = gate.state;
    return {
      state: s.circuit, consecutiveFailures: s.consecutiveFailures, openedAt: iso(s.openedAt), halfOpenAt: iso(s.halfOpenAt),
      inFlight: s.leases.length, queued: s.queue.length, maxConcurrency: s.maxConcurrency, runGranted: s.granted - grantedAtStart,
      rateLimitPerS: s.rate?.perSecond ?? null,
    };
  });

  // Timers are armed only when needed (not per loop turn), to keep the history small.
  const armTimers = () => {
    const { circuit, halfOpenAt } = gate.state;
    if (circuit === 'open' && halfOpenAt !== null && halfOpenAt !== halfOpenTimerFor) {
      halfOpenTimerFor = halfOpenAt;
      void sleep(Math.max(0, halfOpenAt - Date.now())).then(wake);
    }
    // Deliveries held back by the rate limit alone: wake when the next token is there. One
    // timer pending at a time, unless a token now comes sooner (a raised limit): an early
    // wake-up only arms the next one.
    const tokenAt = gate.rateWakeAt(Date.now());
    if (tokenAt !== null && (rateTimerFor === null || tokenAt < rateTimerFor)) {
      rateTimerFor = tokenAt;
      void sleep(Math.max(1, tokenAt - Date.now())).then(() => {
        if (rateTimerFor === tokenAt) rateTimerFor = null;
        wake();
      });
    }
    const expiry = gate.nextLeaseExpiry();
    if (expiry !== null && !sweepArmed) {
      sweepArmed = true;
      void sleep(Math.max(1, expiry - Date.now())).then(() => {
        sweepArmed = false;
        wake();
      });
    }
  };

  /** Tells deliveries their news; permits of deliveries that no longer run are taken back. */
  const notify = async (notices: DeliveryNotice[], rateDelayed: number) => {
    if (notices.length === 0) return;
    const gone = await notifyDeliveries(rateDelayed > 0 ? { notices, rateDelayed } : { notices });
    gone.forEach((leaseId) => gate.release(leaseId, 'none', Date.now()));
    if (gone.length > 0) wake();
  };

  while (!stopping) {
    await condition(() => dirty || stopping);
    if (stopping) break;
    // Continue as new at the start of a turn, before this task sends anything: were the task
    // refused (new signals raced it), its replay repeats no notices.
    const info = workflowInfo();
    if (patched(PERMIT_QUEUE_UPGRADE)) {
      await condition(allHandlersFinished);
      await continueAsNew<(i: EndpointWorkflowInput) => Promise<void>>({ ...input, state: gate.state });
    }
    if (gate.state.granted - grantedAtStart >= input.settings.continueAsNewAfter || info.historyLength >= MAX_RUN_EVENTS || info.continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<(i: EndpointWorkflowInput) => Promise<void>>({ ...input, state: gate.state });
    }
    dirty = false;
    gate.tick(Date.now());
    const transitions = gate.takeTransitions();
    const grants = gate.grant(Date.now()).map((l): DeliveryNotice => ({ kind: 'granted', deliveryId: l.deliveryId, leaseId: l.leaseId, probe: l.probe }));
    const waits = gate.takeCircuitNotices().map((r): DeliveryNotice => ({ kind: 'circuit_waiting', deliveryId: r.deliveryId, leaseId: r.leaseId }));
    armTimers();
    await notify([...grants, ...waits], gate.takeRateDelayed());
    if (transitions.length > 0) {
      const s = gate.state;
      await recordCircuitState({ webhookId: input.webhookId, state: s.circuit, openedAtMs: s.openedAt });
    }
  }
}
