// The breaker's rule for an attempt's outcome (docs/permits.md, "The circuit"): pure, so the
// transaction that records an attempt (attempts.ts) and the model test share it.
import type { CircuitState, Outcome } from '../../workflows/types';

export type { CircuitState, Outcome };

export interface Breaker {
  state: CircuitState;
  /** Failures committed since the last success, while closed. */
  failures: number;
}

/**
 * The breaker after one attempt's outcome, `probe` when it was made under the half-open
 * circuit's one lease. Closed: a success clears the count, a failure adds one and the one that
 * reaches `threshold` opens it. Half-open: the probe's 2xx closes it, its failure opens it again.
 * Any other outcome (an attempt let out before the circuit opened) moves nothing.
 */
export function afterOutcome(breaker: Breaker, outcome: Outcome, probe: boolean, threshold: number): Breaker {
  if (outcome === 'none') return breaker;
  if (breaker.state === 'closed') {
    if (outcome === 'success') return { state: 'closed', failures: 0 };
    const failures = breaker.failures + 1;
    return { state: failures >= threshold ? 'open' : 'closed', failures };
  }
  if (breaker.state === 'half_open' && probe) {
    return outcome === 'success' ? { state: 'closed', failures: 0 } : { state: 'open', failures: breaker.failures };
  }
  return breaker;
}

/** Leases the gate lets out at once: the limit when closed, one probe when half-open, none when open. */
export function capacity(state: CircuitState, maxConcurrency: number): number {
  if (state === 'closed') return maxConcurrency;
  return state === 'half_open' ? 1 : 0;
}
