// Plain types shared by workflows, activities and the API: inputs, outputs, statuses and the
// activities interface the workflows call. Types only, importing nothing outside workflows/,
// so any module may use them without pulling in workflow or activity code (no import cycles).
import type { CircuitState, GateState, Outcome, PermitRequest } from './gate';
import type { DeliveryStatus } from './statuses';

export type { CircuitState, DeliveryStatus, GateState, Outcome, PermitRequest };

/** What made an attempt: the schedule, a manual retry, a test, or a bulk recovery. */
export type AttemptTrigger = 'scheduled' | 'manual' | 'test' | 'recovery';

export type DeliveryOutcomeStatus = 'succeeded' | 'retrying' | 'dead_lettered' | 'cancelled';

export interface DeliveryWorkflowInput {
  deliveryId: string;
  tenantId: string;
  webhookId: string;
  /** Waits before retries 1..n (ms). Carried in the input so running deliveries keep the
   *  schedule they started with even if the configuration changes. */
  retryScheduleMs: number[];
  /** Trigger of the first attempt of this run ('manual' or 'recovery' when a closed delivery is retried). */
  firstTrigger?: AttemptTrigger;
  /** Served before other waiting deliveries (quota events). */
  highPriority?: boolean;
  /** When the delivery was created, and how long it may wait for a permit in all. */
  createdAtMs?: number;
  maxDeliveryAgeMs?: number;
  /** Bound on one attempt activity (delivery timeout plus bookkeeping). */
  attemptTimeoutMs?: number;
  /** The starter already asked the endpoint workflow for the first permit under this lease id. */
  firstLeaseId?: string;
  /** The starter got the first permit already (admitted at once): no grant to wait for. */
  firstGrant?: PermitGrant;
}

export interface AttemptRequest {
  deliveryId: string;
  trigger: AttemptTrigger;
  /** The scheduled wait before the next attempt, or null when this is the last attempt. */
  scheduledWaitMs: number | null;
  /** The permit this attempt holds: the activity gives it back with the outcome, which saves
   *  the workflow a round trip. */
  permit?: { webhookId: string; leaseId: string };
}

export interface AttemptResult {
  attemptNumber: number;
  /** New status of the delivery after this attempt. */
  status: DeliveryOutcomeStatus;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** How long to wait before the next attempt (scheduled wait, lengthened by Retry-After). */
  nextWaitMs: number | null;
  /** True when the activity already gave the permit back. */
  permitReleased?: boolean;
}

export interface EndpointSettings {
  failureThreshold: number;
  openDurationMs: number;
  leaseTimeoutMs: number;
  /** Continue-as-new after granting this many permits in one run (or when Temporal suggests). */
  continueAsNewAfter: number;
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
  queued: number;
  maxConcurrency: number;
  /** Permits granted by this run (since the last continue-as-new). */
  runGranted: number;
  /** Permits per second the gate grants at most, or null for no rate limit. */
  rateLimitPerS: number | null;
}

/** A webhook's limits as its endpoint workflow applies them. In the configure signal a field
 *  left out is unchanged (older signals carry maxConcurrency only); null removes the rate limit. */
export interface EndpointLimits {
  maxConcurrency?: number;
  rateLimitPerS?: number | null;
}

export interface PermitGrant {
  leaseId: string;
  probe: boolean;
}

/** What the endpoint workflow tells a delivery: it holds a permit, or waits for the circuit. */
export type DeliveryNotice =
  | { kind: 'granted'; deliveryId: string; leaseId: string; probe: boolean }
  | { kind: 'circuit_waiting'; deliveryId: string; leaseId: string };

export interface PermitRelease {
  leaseId: string;
  outcome: Outcome;
}

/** The activities the workflows call; createActivities(deps) implements them, tests fake them. */
export interface DeliveryActivities {
  /** One HTTP attempt and its bookkeeping (a local activity). */
  attemptDelivery(input: AttemptRequest): Promise<AttemptResult>;
  /** Signal-with-start of the endpoint workflow; false when the webhook is deleted or inactive. */
  requestPermit(input: { webhookId: string; tenantId: string; request: PermitRequest }): Promise<boolean>;
  /** Sends the endpoint's notices; returns the lease ids whose delivery no longer runs.
   *  rateDelayed: how many of these grants the rate limit held back (for the metric). */
  notifyDeliveries(input: { notices: DeliveryNotice[]; rateDelayed?: number }): Promise<string[]>;
  setDeliveryStatus(input: { deliveryId: string; status: DeliveryStatus; error?: string }): Promise<void>;
  recordCircuitState(input: { webhookId: string; state: CircuitState; openedAtMs: number | null }): Promise<void>;
}
