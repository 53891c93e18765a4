// Plain types of the permit protocol, shared by workflows, activities and the client side.
import type { CircuitState, GateState, Outcome } from './gateState';

export interface PermitGrant {
  leaseId: string;
  probe: boolean;
}

export interface WakeInfo {
  mirroredCircuit?: CircuitState;
}

export interface PermitRelease {
  leaseId: string;
  outcome: Outcome;
}

export interface EndpointSettings {
  failureThreshold: number;
  openDurationMs: number;
  leaseTimeoutMs: number;
  /** Continue-as-new after granting this many permits in one run (or when Temporal suggests). */
  continueAsNewAfter: number;
  /** An idle endpoint workflow ends after this long with nothing to do (absent: 5 minutes). */
  idleTimeoutMs?: number;
  /** A healthy endpoint lends its free permits to the worker of its turn for this long (absent or 0: never). */
  blockMs?: number;
}

export interface EndpointWorkflowInput {
  webhookId: string;
  tenantId: string;
  settings: EndpointSettings;
  /** State carried across continue-as-new; a new endpoint starts with initialGateState. */
  state: GateState;
}

/** What the endpoint status query answers: a snapshot of its gate (the API maps it to its own shape). */
export interface EndpointStatus {
  state: CircuitState;
  consecutiveFailures: number;
  openedAt: string | null;
  halfOpenAt: string | null;
  inFlight: number;
  /** Requests queued by message (previous release); rows waiting in Postgres are counted there. */
  queued: number;
  maxConcurrency: number;
  /** Permits granted by this run (since the last continue-as-new). */
  runGranted: number;
  /** Permits per second the gate grants at most, or null for no rate limit. */
  rateLimitPerS: number | null;
}

/** A webhook's limits as its endpoint workflow applies them. In the configure signal a field
 *  left out is unchanged; null removes the rate limit. */
export interface EndpointLimits {
  maxConcurrency?: number;
  rateLimitPerS?: number | null;
}

/** One grant batch: the endpoint's turn claims up to `room` waiting rows and starts them holding their permits. */
export interface GrantBatchInput {
  webhookId: string;
  tenantId: string;
  /** Names the batch: the same id repeated (after a crash) grants the same leases. */
  batchId: string;
  room: number;
  probe: boolean;
  /** The endpoint's permits in all (releases are coalesced by a fraction of it). */
  maxConcurrency?: number;
  /** Grants to requests queued by message (previous release), told by signal. */
  queued?: Array<{ deliveryId: string; leaseId: string }>;
  /** How many of these grants the rate limit held back (for the metric). */
  rateDelayed?: number;
  /** Lend the room as a block named by the batch id, for this long: its worker claims and starts rows itself. */
  lendMs?: number;
}

export interface GrantBatchResult {
  granted: Array<{ deliveryId: string; leaseId: string }>;
  /** Rows the batch claimed (granted or gone): as many as its room means more may wait. */
  claimed: number;
  /** Leases whose delivery no longer runs (not granted after all). */
  gone: string[];
  /**
   * Rows wait that a claim may take as permits come back: the room was filled, or rows wait
   * behind a fifo line's open head. Absent (batches of earlier releases): claimed ≥ room.
   */
  backlog?: boolean;
}

export interface PermitActivities {
  /** The endpoint's grant batch (a local activity of the endpoint workflow). */
  grantBatch(input: GrantBatchInput): Promise<GrantBatchResult>;
  /** A started delivery joins its endpoint's queue and wakes it; null when there is nothing to deliver to. */
  askForPermit(input: { deliveryId: string }): Promise<{ held: boolean } | null>;
  /** Leaves the queue; false when a grant claimed the row first. */
  withdrawPermitRequest(input: { deliveryId: string }): Promise<boolean>;
  /** Permits a delivery holds but will not use, given back. */
  returnPermits(input: { webhookId: string; leaseIds: string[] }): Promise<void>;
  /** Mirrors the circuit in Postgres (the webhook row, the waiting rows) and reports its changes. */
  recordCircuitState(input: { webhookId: string; state: CircuitState; openedAtMs: number | null }): Promise<void>;
}
