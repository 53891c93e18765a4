import {
  allHandlersFinished, condition, continueAsNew, patched, proxyLocalActivities, setHandler, sleep, workflowInfo,
} from '@temporalio/workflow';
import { Gate } from './permits/gate';
import {
  acquirePermitSignal, acquirePermitsSignal, admitNowUpdate, configureEndpointSignal, endpointStatusQuery, releasePermitSignal, releasePermitsSignal,
  resetCircuitSignal, returnPermitBlockSignal, shutdownEndpointSignal, wakeSignal,
} from './permits/messages';
import type { DeliveryActivities, EndpointStatus, EndpointWorkflowInput, GrantBatchResult, PermitRelease } from './types';
import { legacyEndpointLoop } from './legacy/endpoint';

// Local activities: in the worker that runs the endpoint's turn, recorded as one marker each.
// A grant batch repeated after a failed task grants the same leases (see grantBatch).
const { recordCircuitState } = proxyLocalActivities<DeliveryActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '10s' },
});
// A batch that can't start its deliveries (Temporal away) gives up after two quick tries, so
// the turn ends instead of holding its workflow task open; the next turn repeats it, same id.
const { grantBatch } = proxyLocalActivities<DeliveryActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '1s', maximumAttempts: 2 },
});
const BATCH_RETRY_MS = 2000;

/** Runs from before the permit queue carry no marker: they replay the previous loop (see legacy/). */
const PERMIT_QUEUE = 'permit-queue';
/** Short runs replay quickly after an eviction from the worker's cache. */
const MAX_RUN_EVENTS = 1000;
const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * One per webhook (`endpoint:<webhook_id>`), the gate (docs/permits.md): only its grants let an
 * attempt go, and only they start the workflows of new deliveries. Each turn claims as many waiting rows as the circuit, the free permits
 * and the rate limit let out, and starts them holding their permits (one local activity);
 * permits come back in batches. Continues as new before its history grows large; ends when
 * idle for the idle timeout (the next wake starts it again, from the mirror in Postgres).
 */
export async function endpointWorkflow(input: EndpointWorkflowInput): Promise<void> {
  if (!patched(PERMIT_QUEUE)) return legacyEndpointLoop(input);
  const gate = new Gate(input.state, input.settings);
  const idleTimeoutMs = input.settings.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const grantedAtStart = input.state.granted;
  let dirty = true;
  let woken = true; // a new run looks at the queue once
  let stopping = false;
  let batches = 0;
  let failedBatch: string | null = null;
  let busyAt = Date.now();
  const timers = { halfOpenFor: null as number | null, rateFor: null as number | null, expiryArmed: false, idleArmed: false };

  const wake = () => {
    dirty = true;
  };
  const release = (releases: PermitRelease[]) => {
    releases.forEach(({ leaseId, outcome }) => gate.release(leaseId, outcome, Date.now()));
    wake();
  };
  setHandler(wakeSignal, (info) => {
    woken = true;
    gate.correctMirror(info?.mirroredCircuit);
    wake();
  });
  setHandler(releasePermitsSignal, release);
  setHandler(returnPermitBlockSignal, (back) => {
    gate.returnBlock(back, Date.now());
    if (back.waiting) woken = true;
    if (back.backlog) gate.state.backlog = true;
    wake();
  });
  setHandler(resetCircuitSignal, () => {
    gate.reset();
    woken = true;
    wake();
  });
  setHandler(configureEndpointSignal, ({ maxConcurrency, rateLimitPerS }) => {
    if (maxConcurrency !== undefined) gate.setMaxConcurrency(maxConcurrency);
    if (rateLimitPerS !== undefined) gate.setRateLimit(rateLimitPerS, Date.now());
    woken = true;
    wake();
  });
  setHandler(shutdownEndpointSignal, () => {
    stopping = true;
  });
  // Deliveries of the previous release ask and give back by message.
  setHandler(acquirePermitSignal, (request) => {
    gate.enqueue(request);
    wake();
  });
  setHandler(acquirePermitsSignal, (requests) => {
    requests.forEach((r) => gate.enqueue(r));
    wake();
  });
  setHandler(releasePermitSignal, (one) => release([one]));
  setHandler(admitNowUpdate, () => []);
  setHandler(endpointStatusQuery, (): EndpointStatus => {
    const s = gate.state;
    return {
      state: s.circuit, consecutiveFailures: s.consecutiveFailures, openedAt: iso(s.openedAt), halfOpenAt: iso(s.halfOpenAt),
      inFlight: gate.held(), queued: s.queue.length, maxConcurrency: s.maxConcurrency, runGranted: s.granted - grantedAtStart,
      rateLimitPerS: s.rate?.perSecond ?? null,
    };
  });

  /** Sleeps until `at`, then wakes the loop; `done` runs first (to disarm). */
  const timer = (at: number, done: () => void) => {
    void sleep(Math.max(1, at - Date.now())).then(() => {
      done();
      wake();
    });
  };
  // Timers are armed only when needed (not per turn), to keep the history small.
  const armTimers = () => {
    const { circuit, halfOpenAt } = gate.state;
    if (circuit === 'open' && halfOpenAt !== null && halfOpenAt !== timers.halfOpenFor) {
      timers.halfOpenFor = halfOpenAt;
      timer(halfOpenAt, () => (woken = true));
    }
    const tokenAt = gate.rateWakeAt(Date.now());
    if (tokenAt !== null && (timers.rateFor === null || tokenAt < timers.rateFor)) {
      timers.rateFor = tokenAt;
      timer(tokenAt, () => {
        if (timers.rateFor === tokenAt) timers.rateFor = null;
      });
    }
    const expiry = gate.nextLeaseExpiry();
    if (expiry !== null && !timers.expiryArmed) {
      timers.expiryArmed = true;
      timer(expiry, () => (timers.expiryArmed = false));
    }
    if (gate.idle() && !timers.idleArmed) {
      timers.idleArmed = true;
      timer(busyAt + idleTimeoutMs, () => (timers.idleArmed = false));
    }
  };

  /**
   * One grant batch: the queued requests (previous release) and the rows the room allows; on a
   * healthy endpoint, the room is lent whole as a block to the worker running the batch.
   */
  const grant = async () => {
    const now = Date.now();
    const queued = gate.grantQueued(now).map(({ deliveryId, leaseId }) => ({ deliveryId, leaseId }));
    const room = gate.room(now);
    const claimRows = room.count > 0 && (woken || gate.state.backlog !== false);
    if (!claimRows && queued.length === 0) return;
    const lendMs = claimRows && queued.length === 0 && gate.canLend() ? input.settings.blockMs ?? 0 : 0;
    woken = false;
    failedBatch ??= `${workflowInfo().runId}:${++batches}`;
    const batchId = failedBatch;
    let result: GrantBatchResult;
    try {
      result = await grantBatch({
        webhookId: input.webhookId, tenantId: input.tenantId, batchId, room: claimRows ? room.count : 0, probe: room.probe, maxConcurrency: gate.state.maxConcurrency,
        ...(queued.length > 0 ? { queued } : {}), ...(room.rateBound ? { rateDelayed: room.count } : {}), ...(lendMs > 0 ? { lendMs } : {}),
      });
    } catch {
      // Its rows stay claimed by this batch id, which the next try uses again (and its queued
      // requests go back to the queue): nothing granted twice, nothing lost.
      queued.forEach((q) => gate.release(q.leaseId, 'none', now));
      queued.forEach((q) => gate.enqueue({ ...q, high: false }));
      woken = true;
      timer(Date.now() + BATCH_RETRY_MS, () => {});
      return;
    }
    failedBatch = null;
    if (lendMs > 0) {
      // The block's worker holds the rows' leases; the gate holds the block.
      gate.lendBlock(batchId, room.count, now, lendMs);
      gate.state.backlog = false;
      return;
    }
    const queuedIds = new Set(queued.map((q) => q.leaseId));
    result.granted.filter((g) => !queuedIds.has(g.leaseId)).forEach((g) => gate.lend(g.deliveryId, g.leaseId, now, room.probe));
    result.gone.forEach((leaseId) => gate.release(leaseId, 'none', now));
    if (claimRows) gate.state.backlog = result.backlog ?? result.claimed >= room.count;
  };

  for (;;) {
    await condition(() => dirty || stopping);
    if (stopping) return;
    const info = workflowInfo();
    // Idle for the whole timeout: end. A wake racing this completion makes Temporal refuse it,
    // and the run goes on with that wake.
    if (gate.idle() && !woken && Date.now() - busyAt >= idleTimeoutMs) return;
    // Continue as new at the start of a turn, before this task grants anything.
    if (gate.state.granted - grantedAtStart >= input.settings.continueAsNewAfter || info.historyLength >= MAX_RUN_EVENTS || info.continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof endpointWorkflow>({ webhookId: input.webhookId, tenantId: input.tenantId, settings: input.settings, state: gate.state });
    }
    dirty = false;
    gate.tick(Date.now());
    await grant();
    if (!gate.idle()) busyAt = Date.now();
    if (gate.takeTransitions().length > 0) {
      const s = gate.state;
      await recordCircuitState({ webhookId: input.webhookId, state: s.circuit, openedAtMs: s.openedAt });
    }
    armTimers();
  }
}
