// The permit protocol's messages (see docs/permits.md): what the endpoint workflow (the gate)
// hears and what it tells deliveries. Only @temporalio/workflow definitions here: this file is
// bundled into workflows, and imported by the client side and activities too.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { EndpointLimits, EndpointStatus, PermitGrant, PermitRelease, WakeInfo } from './types';
import type { BlockReturn, PermitRequest } from './gateState';

// → endpoint
/** Rows wait in its queue (publish, a delivery asking for its next permit, the sweep). It
 *  carries the circuit as Postgres mirrors it: the endpoint records its own when they differ. */
export const wakeSignal = defineSignal<[WakeInfo?]>('wake');
/** Permits given back with their outcomes, coalesced per worker, in the order the attempts ended. */
export const releasePermitsSignal = defineSignal<[PermitRelease[]]>('releasePermits');
/** A block of permits given back by its worker, with its outcomes and the deliveries still in flight. */
export const returnPermitBlockSignal = defineSignal<[BlockReturn]>('returnPermitBlock');
// endpoint → a started delivery: it holds a permit for its next attempt.
export const permitGrantedSignal = defineSignal<[PermitGrant]>('permitGranted');

// operators (API) → endpoint
export const resetCircuitSignal = defineSignal('resetCircuit');
/** New limits of a running endpoint (PATCH); a field left out is unchanged. */
export const configureEndpointSignal = defineSignal<[EndpointLimits]>('configureEndpoint');
export const shutdownEndpointSignal = defineSignal('shutdownEndpoint');
export const endpointStatusQuery = defineQuery<EndpointStatus>('endpointStatus');

// Wire names of the previous release, still heard for one release so that its deliveries,
// open during an upgrade, finish (see workflows/legacy/).
export const acquirePermitSignal = defineSignal<[PermitRequest]>('acquirePermit');
export const acquirePermitsSignal = defineSignal<[PermitRequest[]]>('acquirePermits');
export const releasePermitSignal = defineSignal<[PermitRelease]>('releasePermit');
export const admitNowUpdate = defineUpdate<PermitGrant[], [PermitRequest[]]>('admitNow');
export const circuitWaitingSignal = defineSignal<[{ leaseId: string }]>('circuitWaiting');
export const askAgainSignal = defineSignal('renewPermit');
