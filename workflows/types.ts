// Plain types shared by workflows, activities and the API: inputs, outputs, statuses and the
// activities interface the workflows call. Types only, importing nothing outside workflows/,
// so any module may use them without pulling in workflow or activity code (no import cycles).
import type { CircuitState, GateState, Outcome, PermitRequest } from './permits/gateState';
import type { PermitActivities, PermitGrant } from './permits/types';
import type { DeliveryStatus } from './statuses';

export type { CircuitState, DeliveryStatus, GateState, Outcome, PermitRequest };
export type {
  EndpointLimits, EndpointSettings, EndpointStatus, EndpointWorkflowInput, GrantBatchInput, GrantBatchResult, PermitActivities, PermitGrant, PermitRelease,
} from './permits/types';

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
  /** (Previous release) the starter asked the endpoint workflow for the first permit under this lease id. */
  firstLeaseId?: string;
  /** Started by its endpoint's grant, holding this permit: the first attempt goes at once. */
  firstGrant?: PermitGrant;
}

export interface AttemptRequest {
  deliveryId: string;
  trigger: AttemptTrigger;
  /** The scheduled wait before the next attempt, or null when this is the last attempt. */
  scheduledWaitMs: number | null;
  /** The permit this attempt holds: the activity gives it back with the outcome (coalesced
   *  per worker, see src/permits/releases.ts). */
  permit?: { webhookId: string; leaseId: string; probe?: boolean };
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
  /** True when the activity took the permit back (the workflow sends no release itself). */
  permitReleased?: boolean;
}

/** The activities the delivery and endpoint workflows call; createActivities(deps) implements them, tests fake them. */
export interface DeliveryActivities extends PermitActivities {
  /** One HTTP attempt and its bookkeeping (a local activity). */
  attemptDelivery(input: AttemptRequest): Promise<AttemptResult>;
  setDeliveryStatus(input: { deliveryId: string; status: DeliveryStatus; error?: string }): Promise<void>;
}
