// The endpoint gate's state as plain data: what the endpoint workflow carries across
// continue-as-new, and what a new endpoint starts with. The same shape as before the permit
// queue (plus `backlog`), so an endpoint run of the previous release continues as new into this one.
import { newTokenBucket, type TokenBucketState } from './tokenBucket';

export type CircuitState = 'closed' | 'open' | 'half_open';
export type Outcome = 'success' | 'failure' | 'none';

/** A permit request by message: only deliveries started by the previous release send them. */
export interface PermitRequest {
  leaseId: string;
  deliveryId: string;
  /** quota.* events are served before other waiting deliveries. */
  high: boolean;
}

export interface QueueEntry extends PermitRequest {
  /** (Previous release) told that it waits for the circuit. */
  notified: boolean;
  /** (Previous release) held back by the rate limit. */
  rateHeld?: boolean;
}

export interface Lease {
  leaseId: string;
  deliveryId: string;
  grantedAt: number;
  probe: boolean;
}

/**
 * Permits lent to one worker process as a block (docs/permits.md): it claims and starts rows
 * against them itself, and gives them back with their outcomes when the block ends.
 */
export interface LentBlock {
  blockId: string;
  size: number;
  lentAt: number;
  /** The block ends in its worker this long after it was lent. */
  lendMs: number;
}

/** A block given back: the deliveries it started that still run become the endpoint's leases. */
export interface BlockReturn {
  blockId: string;
  inFlight: Array<{ deliveryId: string; leaseId: string; grantedAt: number }>;
  /** Its attempts' outcomes in the order they ended (a run of successes as one). */
  outcomes: Outcome[];
  /** Rows waited that may go now when it ended: lend again at once. */
  waiting: boolean;
  /** Rows wait for some of `inFlight` to end (behind a fifo line's head): claim as they come back. */
  backlog?: boolean;
}

export interface GateState {
  circuit: CircuitState;
  consecutiveFailures: number;
  openedAt: number | null;
  halfOpenAt: number | null;
  maxConcurrency: number;
  /** Requests by message from deliveries of the previous release; granted before the rows. */
  queue: QueueEntry[];
  leases: Lease[];
  /** Permits granted over the endpoint's whole life (across continue-as-new). */
  granted: number;
  /** Every permit takes a token when the webhook has a rate limit. */
  rate?: TokenBucketState | null;
  /** Rows may wait in Postgres: the last claim filled all the room it had (absent: assume so). */
  backlog?: boolean;
  /** Blocks lent and not given back yet. */
  blocks?: LentBlock[];
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
    rate: rateLimitPerS === null ? null : newTokenBucket(rateLimitPerS), backlog: true,
  };
}
