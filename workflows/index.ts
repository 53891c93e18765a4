export { deliveryWorkflow } from './delivery';
export { endpointWorkflow } from './endpoint';
export { recoveryWorkflow } from './recovery';
