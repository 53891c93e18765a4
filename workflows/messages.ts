// Signal, query and update definitions shared by workflows, activities and the API, with the
// workflow ids. Only @temporalio/workflow definitions here: this file is bundled into workflows.
// The plain types they carry live in types.ts.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { EndpointLimits, EndpointStatus, PermitGrant, PermitRelease, PermitRequest } from './types';

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
/** The endpoint watchdog (API) found the endpoint workflow gone: a waiting delivery sends its
 *  permit request again. (Wire name kept from before: it is recorded in workflow histories.) */
export const askAgainSignal = defineSignal('renewPermit');
export const resetCircuitSignal = defineSignal('resetCircuit');
/** New limits of a running endpoint (PATCH); a field left out is unchanged. */
export const configureEndpointSignal = defineSignal<[EndpointLimits]>('configureEndpoint');
export const shutdownEndpointSignal = defineSignal('shutdownEndpoint');
export const endpointStatusQuery = defineQuery<EndpointStatus>('endpointStatus');

const DELIVERY_WORKFLOW_ID_PREFIX = 'delivery:';
export const deliveryWorkflowId = (deliveryId: string): string => `${DELIVERY_WORKFLOW_ID_PREFIX}${deliveryId}`;
export const endpointWorkflowId = (webhookId: string): string => `endpoint:${webhookId}`;
export const recoveryWorkflowId = (recoveryId: string): string => `recover:${recoveryId}`;
