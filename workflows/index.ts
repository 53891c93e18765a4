export { deliveryWorkflow } from './delivery';
export { endpointWorkflow } from './endpoint';
