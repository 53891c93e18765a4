import { condition, continueAsNew, proxyLocalActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { circuitChangedSignal, endpointStatusQuery, resetCircuitSignal } from './messages';
import { CircuitStateKey } from './searchAttributes';
import type { CircuitChange, EndpointActivities, EndpointStatus, EndpointWorkflowInput } from './types';

const { halfOpenCircuit, resetCircuit } = proxyLocalActivities<EndpointActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '10s' },
});

/** Short runs replay quickly after an eviction from the worker's cache. */
const MAX_RUN_EVENTS = 1000;
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * One per webhook (`endpoint:<webhook_id>`), the circuit's authority for what is not an
 * attempt's outcome (docs/permits.md): the open period's durable timer, the move to half-open
 * (its activity lets the probe out) and the operator's reset. It is started, or told, by the
 * attempt whose commit opened the circuit and by the probe's outcome (signal-with-start), so a
 * healthy endpoint costs it nothing: it waits with no timer. Postgres counts the leases.
 */
export async function endpointWorkflowV2(input: EndpointWorkflowInput): Promise<void> {
  let circuit: CircuitChange = input.circuit ?? { state: 'closed', openedAtMs: null };
  let resetAsked = false;
  let changed = true;
  let shown: string | null = null;

  setHandler(circuitChangedSignal, (change) => {
    // A signal older than what this run knows (a repeat from the sweep, a reordering) is ignored.
    if (change.state === 'open' && circuit.openedAtMs !== null && change.openedAtMs !== null && change.openedAtMs < circuit.openedAtMs) return;
    circuit = change;
    changed = true;
  });
  setHandler(resetCircuitSignal, () => {
    resetAsked = true;
    changed = true;
  });
  setHandler(endpointStatusQuery, (): EndpointStatus => ({
    state: circuit.state, openedAt: iso(circuit.openedAtMs),
    halfOpenAt: circuit.state === 'open' && circuit.openedAtMs !== null ? iso(circuit.openedAtMs + input.openDurationMs) : null,
  }));

  /** An activity's answer, unless a signal told of a later commit while it ran. */
  const apply = (before: CircuitChange, after: CircuitChange) => {
    if (circuit === before) circuit = after;
  };

  for (;;) {
    if (shown !== circuit.state) {
      shown = circuit.state;
      upsertSearchAttributes([{ key: CircuitStateKey, value: circuit.state }]);
    }
    if (resetAsked) {
      resetAsked = false;
      apply(circuit, await resetCircuit({ webhookId: input.webhookId }));
      continue;
    }
    changed = false;
    const { state, openedAtMs } = circuit;
    if (state === 'open' && openedAtMs !== null) {
      const waitMs = openedAtMs + input.openDurationMs - Date.now();
      if (waitMs > 0 && (await condition(() => changed, waitMs))) continue;
      apply(circuit, await halfOpenCircuit({ webhookId: input.webhookId, openedAtMs }));
      continue;
    }
    const info = workflowInfo();
    if (info.historyLength >= MAX_RUN_EVENTS || info.continueAsNewSuggested) {
      await continueAsNew<typeof endpointWorkflowV2>({ ...input, circuit });
    }
    await condition(() => changed);
  }
}
