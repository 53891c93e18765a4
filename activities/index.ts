import { createAttemptActivity, type AttemptDeps } from './attempt';
import { createEndpointActivities, type EndpointDeps } from './endpoint';
import { EndpointControl } from '../src/temporal/endpointControl';
import type { DeliveryActivities } from '../workflows/types';

export type ActivityDeps = Omit<AttemptDeps, 'endpoints'> & EndpointDeps;

/** All activities, built from their dependencies (no module-level singletons). */
export function createActivities(deps: ActivityDeps): DeliveryActivities {
  const endpoints = new EndpointControl(deps.temporal, { taskQueue: deps.taskQueue, settings: deps.endpointSettings });
  return {
    attemptDelivery: createAttemptActivity({ ...deps, endpoints }),
    ...createEndpointActivities(deps, endpoints),
  };
}
