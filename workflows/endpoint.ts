import {
  allHandlersFinished, condition, continueAsNew, getExternalWorkflowHandle, proxyActivities, setHandler, sleep, workflowInfo,
} from '@temporalio/workflow';
import type { DeliveryActivities } from '../activities';
import { Gate, type Lease } from './gate';
import {
  acquirePermitSignal, circuitWaitingSignal, configureEndpointSignal, deliveryWorkflowId, endpointStatusQuery,
  permitGrantedSignal, releasePermitSignal, resetCircuitSignal, shutdownEndpointSignal,
  type EndpointStatus, type EndpointWorkflowInput, type PermitRequest,
} from './messages';

const { recordCircuitState } = proxyActivities<DeliveryActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/**
 * A busy endpoint gets several signals per permit. Its run is replayed from the start after any
 * eviction from the worker's cache (a failed or timed-out task), so runs stay short enough to
 * replay in well under a second even on a loaded worker.
 */
const MAX_RUN_EVENTS = 1000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * One per webhook (`endpoint:<webhook_id>`): grants at most max_concurrency permits and keeps
 * the circuit breaker. Long-running; continues as new with its whole state before its
 * history grows large.
 */
export async function endpointWorkflow(input: EndpointWorkflowInput): Promise<void> {
  const gate = new Gate(input.state, input.settings);
  const grantedAtStart = input.state.granted;
  let dirty = true;
  let stopping = false;
  let sweepArmed = false;
  let halfOpenTimerFor: number | null = null;

  const wake = () => {
    dirty = true;
  };
  setHandler(acquirePermitSignal, (request) => {
    gate.enqueue(request);
    wake();
  });
  setHandler(releasePermitSignal, ({ leaseId, outcome }) => {
    gate.release(leaseId, outcome, Date.now());
    wake();
  });
  setHandler(resetCircuitSignal, () => {
    gate.reset();
    wake();
  });
  setHandler(configureEndpointSignal, ({ maxConcurrency }) => {
    gate.setMaxConcurrency(maxConcurrency);
    wake();
  });
  setHandler(shutdownEndpointSignal, () => {
    stopping = true;
  });
  setHandler(endpointStatusQuery, (): EndpointStatus => {
    const s = gate.state;
    return {
      state: s.circuit, consecutive_failures: s.consecutiveFailures, opened_at: iso(s.openedAt), half_open_at: iso(s.halfOpenAt),
      in_flight: s.leases.length, queued: s.queue.length, max_concurrency: s.maxConcurrency, run_granted: s.granted - grantedAtStart,
    };
  });

  // Timers are armed only when needed (not per loop turn), to keep the history small.
  const armTimers = () => {
    const { circuit, halfOpenAt } = gate.state;
    if (circuit === 'open' && halfOpenAt !== null && halfOpenAt !== halfOpenTimerFor) {
      halfOpenTimerFor = halfOpenAt;
      void sleep(Math.max(0, halfOpenAt - Date.now())).then(wake);
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

  // Grants are signals from the workflow, not a local activity sending client signals: were a
  // task that sent them to fail (a continue-as-new racing new signals, a timeout), its replay
  // would send them again, and a delivery hearing a second grant while completing has its
  // completion refused and its attempt (a local activity) run twice. Signals to deliveries are
  // not awaited by the loop (that would cost a workflow task per batch); they are counted so
  // continue-as-new waits for them.
  let signalsInFlight = 0;
  const tracked = (send: () => Promise<void>) => {
    signalsInFlight++;
    void send().finally(() => {
      signalsInFlight--;
    });
  };

  const grant = async (lease: Lease) => {
    try {
      await getExternalWorkflowHandle(deliveryWorkflowId(lease.deliveryId)).signal(permitGrantedSignal, { leaseId: lease.leaseId, probe: lease.probe });
    } catch {
      gate.release(lease.leaseId, 'none', Date.now()); // the delivery is gone: take the permit back
      wake();
    }
  };
  const notify = async (request: PermitRequest) => {
    try {
      await getExternalWorkflowHandle(deliveryWorkflowId(request.deliveryId)).signal(circuitWaitingSignal, { leaseId: request.leaseId });
    } catch {
      gate.release(request.leaseId, 'none', Date.now());
      wake();
    }
  };

  while (!stopping) {
    await condition(() => dirty || stopping);
    if (stopping) break;
    dirty = false;
    gate.tick(Date.now());
    const transitions = gate.takeTransitions();
    gate.grant(Date.now()).forEach((lease) => tracked(() => grant(lease)));
    gate.takeCircuitNotices().forEach((request) => tracked(() => notify(request)));
    armTimers();
    if (transitions.length > 0) {
      const s = gate.state;
      await recordCircuitState({ webhookId: input.webhookId, state: s.circuit, openedAtMs: s.openedAt });
    }
    const served = gate.state.granted - grantedAtStart;
    const info = workflowInfo();
    if (served >= input.settings.continueAsNewAfter || info.historyLength >= MAX_RUN_EVENTS || info.continueAsNewSuggested) {
      await condition(() => signalsInFlight === 0 && allHandlersFinished());
      await continueAsNew<typeof endpointWorkflow>({ ...input, state: gate.state });
    }
  }
}
