// Every Temporal message of the project (docs/permits.md, "Messages"), and the workflow ids.
// Only @temporalio/workflow definitions here: this file is bundled into workflows, and imported
// by the client side and activities too.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { CircuitChange, EndpointStatus, LeaseGrant } from './types';

// → a delivery
/** Operators (API): attempt now (cuts a retry wait short). */
export const retryNowSignal = defineSignal('retryNow');
/** A claim took a lease for this started delivery, which waits for it (its retry). */
export const leaseGrantedSignal = defineSignal<[LeaseGrant]>('leaseGranted');

// → an endpoint
/** The attempt whose commit opened the circuit, or the probe's outcome (signal-with-start). */
export const circuitChangedSignal = defineSignal<[CircuitChange]>('circuitChanged');
/** Operators (API): close the circuit at once (signal-with-start). */
export const resetCircuitSignal = defineSignal('resetCircuit');
export const endpointStatusQuery = defineQuery<EndpointStatus>('endpointStatus');

const DELIVERY_WORKFLOW_ID_PREFIX = 'delivery:';
export const deliveryWorkflowId = (deliveryId: string): string => `${DELIVERY_WORKFLOW_ID_PREFIX}${deliveryId}`;
export const endpointWorkflowId = (webhookId: string): string => `endpoint:${webhookId}`;
export const recoveryWorkflowId = (recoveryId: string): string => `recover:${recoveryId}`;
