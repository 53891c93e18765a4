// The endpoint gate's state as plain data: what the endpoint workflow carries across
// continue-as-new, and what a new endpoint starts with.
import { newTokenBucket, type TokenBucketState } from './tokenBucket';

export type CircuitState = 'closed' | 'open' | 'half_open';
export type Outcome = 'success' | 'failure' | 'none';

export interface PermitRequest {
  leaseId: string;
  deliveryId: string;
  /** quota.* events are served before other waiting deliveries. */
  high: boolean;
}

export interface QueueEntry extends PermitRequest {
  /** Told that it waits for the circuit (so it shows waiting_circuit). */
  notified: boolean;
  /** Held back at the head of the queue by the rate limit (counted once when granted). */
  rateHeld?: boolean;
}

export interface Lease {
  leaseId: string;
  deliveryId: string;
  grantedAt: number;
  probe: boolean;
}

export interface GateState {
  circuit: CircuitState;
  consecutiveFailures: number;
  openedAt: number | null;
  halfOpenAt: number | null;
  maxConcurrency: number;
  queue: QueueEntry[];
  leases: Lease[];
  /** Permits granted over the endpoint's whole life (across continue-as-new). */
  granted: number;
  /** Every permit takes a token when the webhook has a rate limit (absent in older runs: none). */
  rate?: TokenBucketState | null;
}

export interface GateConfig {
  failureThreshold: number;
  openDurationMs: number;
  /** A lease not released within this is reclaimed: its holder is presumed dead. */
  leaseTimeoutMs: number;
}

export function initialGateState(maxConcurrency: number, rateLimitPerS: number | null = null): GateState {
  return {
    circuit: 'closed', consecutiveFailures: 0, openedAt: null, halfOpenAt: null, maxConcurrency, queue: [], leases: [], granted: 0,
    rate: rateLimitPerS === null ? null : newTokenBucket(rateLimitPerS),
  };
}
