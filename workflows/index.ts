export { deliveryWorkflowV2 } from './delivery';
export { endpointWorkflow } from './endpoint';
export { recoveryWorkflow } from './recovery';
// The previous release's delivery workflow: its runs open at an upgrade finish on it.
export { deliveryWorkflow } from './legacy/delivery';
