export { deliveryWorkflowV3 } from './delivery';
export { endpointWorkflowV2 } from './endpoint';
export { recoveryWorkflow } from './recovery';
