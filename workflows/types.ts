// Plain types shared by workflows, activities and the API: inputs, outputs, statuses and the
// activities interface the workflows call. Types only, importing nothing outside workflows/,
// so any module may use them without pulling in workflow or activity code (no import cycles).
import type { DeliveryStatus, Outcome } from './statuses';

export type { DeliveryStatus, Outcome };

export type CircuitState = 'closed' | 'open' | 'half_open';

/** What made an attempt: the schedule, a manual retry, a test, or a bulk recovery. */
export type AttemptTrigger = 'scheduled' | 'manual' | 'test' | 'recovery';

export type DeliveryOutcomeStatus = 'succeeded' | 'retrying' | 'dead_lettered' | 'cancelled';

/** A lease the gate took for a delivery (docs/permits.md): its attempt may go under it. */
export interface LeaseGrant {
  leaseId: string;
}

export interface DeliveryWorkflowInput {
  deliveryId: string;
  tenantId: string;
  webhookId: string;
  /** Waits before retries 1..n (ms). Carried in the input so running deliveries keep the
   *  schedule they started with even if the configuration changes. */
  retryScheduleMs: number[];
  /** Trigger of the first attempt of this run ('manual' or 'recovery' when a closed delivery is retried). */
  firstTrigger?: AttemptTrigger;
  /** When the delivery was created, and how long it may wait for a lease in all. */
  createdAtMs?: number;
  maxDeliveryAgeMs?: number;
  /** Bound on one attempt activity (delivery timeout plus bookkeeping). */
  attemptTimeoutMs?: number;
  /** Started by a claim, holding this lease: the first attempt goes at once. */
  firstLease?: LeaseGrant;
  /** Taken over from the previous release's workflow (src/gate/handover.ts): retries made, and the wait left before the next attempt. */
  resume?: { attemptsMade: number; waitMs: number };
}

export interface AttemptRequest {
  deliveryId: string;
  webhookId: string;
  trigger: AttemptTrigger;
  /** The scheduled wait before the next attempt, or null when this is the last attempt. */
  scheduledWaitMs: number | null;
  /** The lease this attempt holds: the attempt's record gives it back. */
  leaseId: string;
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
  /** Nothing was sent: the lease was no longer held (it expired), so the delivery asks for another. */
  leaseLost?: boolean;
}

/** The circuit's change an attempt's commit made, told to the endpoint workflow. */
export interface CircuitChange {
  state: CircuitState;
  openedAtMs: number | null;
}

export interface EndpointWorkflowInput {
  webhookId: string;
  tenantId: string;
  /** open → half-open after this long (CONTINUUM_CIRCUIT_OPEN_DURATION). */
  openDurationMs: number;
  /** The circuit as the starter read it from the webhook row (carried across continue-as-new). */
  circuit?: CircuitChange;
}

/** What the endpoint workflow's query answers (the Temporal UI, the CLI). */
export interface EndpointStatus {
  state: CircuitState;
  openedAt: string | null;
  halfOpenAt: string | null;
}

/** The activities the delivery and endpoint workflows call; createActivities(deps) implements them, tests fake them. */
export interface DeliveryActivities {
  /** One HTTP attempt and its bookkeeping (a local activity). */
  attemptDelivery(input: AttemptRequest): Promise<AttemptResult>;
  setDeliveryStatus(input: { deliveryId: string; status: DeliveryStatus; error?: string }): Promise<void>;
  /**
   * The row joins the queue and the webhook's free leases are taken; returns this delivery's, if
   * it got one, or `ended` when the delivery is final already (an earlier execution of the task
   * made its attempt). Null: nothing to deliver to (webhook retired).
   */
  askForLease(input: { deliveryId: string }): Promise<{ lease: LeaseGrant | null; held: boolean; ended?: DeliveryOutcomeStatus } | null>;
  /** Leaves the queue; false when a claim took the row first (its lease is on its way). */
  leaveQueue(input: { deliveryId: string }): Promise<boolean>;
  /** Gives leases back unused (not asked for, or cancelled before the attempt). */
  giveBackLeases(input: { leaseIds: string[] }): Promise<void>;
}

export interface EndpointActivities {
  /** The open period that began at openedAtMs is over: half-open, with its probe let out. Returns the circuit now. */
  halfOpenCircuit(input: { webhookId: string; openedAtMs: number }): Promise<CircuitChange>;
  /** The operator's reset: closed at once. */
  resetCircuit(input: { webhookId: string }): Promise<CircuitChange>;
}
