// Workflow ids and the operator's delivery signal, shared by workflows, activities and the API.
// The permit protocol's messages live in permits/messages.ts. Only @temporalio/workflow
// definitions here: this file is bundled into workflows.
import { defineSignal } from '@temporalio/workflow';

// operators (API) → a delivery: attempt now (cuts a retry wait short).
export const retryNowSignal = defineSignal('retryNow');

const DELIVERY_WORKFLOW_ID_PREFIX = 'delivery:';
export const deliveryWorkflowId = (deliveryId: string): string => `${DELIVERY_WORKFLOW_ID_PREFIX}${deliveryId}`;
export const endpointWorkflowId = (webhookId: string): string => `endpoint:${webhookId}`;
export const recoveryWorkflowId = (recoveryId: string): string => `recover:${recoveryId}`;
