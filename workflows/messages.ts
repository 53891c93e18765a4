// Types and message definitions shared by workflows, activities and the API.
// Only @temporalio/workflow definitions and types here: this file is bundled into workflows.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CircuitState, GateState, Outcome, PermitRequest } from './gate';

export type { CircuitState, Outcome, PermitRequest };

export type AttemptTrigger = 'scheduled' | 'manual' | 'test';

export type DeliveryOutcomeStatus = 'succeeded' | 'retrying' | 'dead_lettered' | 'cancelled';

export interface DeliveryWorkflowInput {
  deliveryId: string;
  tenantId: string;
  webhookId: string;
  /** Waits before retries 1..n (ms). Carried in the input so running deliveries keep the
   *  schedule they started with even if the configuration changes. */
  retryScheduleMs: number[];
  /** Trigger of the first attempt of this run ('manual' when a closed delivery is retried). */
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

/** What GET /webhooks/{id} shows as `circuit`, and the gate's load. */
export interface EndpointStatus {
  state: CircuitState;
  consecutive_failures: number;
  opened_at: string | null;
  half_open_at: string | null;
  in_flight: number;
  queued: number;
  max_concurrency: number;
  run_granted: number;
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

// delivery → endpoint
export const acquirePermitSignal = defineSignal<[PermitRequest]>('acquirePermit');
export const releasePermitSignal = defineSignal<[PermitRelease]>('releasePermit');
// The same, coalesced per endpoint: first permits of a batch of new deliveries (the starter),
// and the outcomes of a worker's attempts within a few milliseconds, in the order they ended.
export const acquirePermitsSignal = defineSignal<[PermitRequest[]]>('acquirePermits');
/** The starter, before it starts new deliveries: permits granted now to those nobody waits
 *  ahead of (see Gate.admitNow); they start holding them, with no grant to wait for. */
export const admitNowUpdate = defineUpdate<PermitGrant[], [PermitRequest[]]>('admitNow');
export const releasePermitsSignal = defineSignal<[PermitRelease[]]>('releasePermits');
// endpoint → delivery
export const permitGrantedSignal = defineSignal<[PermitGrant]>('permitGranted');
export const circuitWaitingSignal = defineSignal<[{ leaseId: string }]>('circuitWaiting');
// operators (API) → workflows
export const retryNowSignal = defineSignal('retryNow');
/** The endpoint watchdog (API) found the endpoint workflow gone: a waiting delivery asks again. */
export const renewPermitSignal = defineSignal('renewPermit');
export const resetCircuitSignal = defineSignal('resetCircuit');
export const configureEndpointSignal = defineSignal<[{ maxConcurrency: number }]>('configureEndpoint');
export const shutdownEndpointSignal = defineSignal('shutdownEndpoint');
export const endpointStatusQuery = defineQuery<EndpointStatus>('endpointStatus');

const DELIVERY_WORKFLOW_ID_PREFIX = 'delivery:';
export const deliveryWorkflowId = (deliveryId: string): string => `${DELIVERY_WORKFLOW_ID_PREFIX}${deliveryId}`;
export const endpointWorkflowId = (webhookId: string): string => `endpoint:${webhookId}`;
