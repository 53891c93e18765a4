import { createAttemptActivity, type AttemptDeps } from './attempt';
import { createEndpointActivities, type EndpointDeps } from './endpoint';

export type ActivityDeps = AttemptDeps & EndpointDeps;

/** All activities, built from their dependencies (no module-level singletons). */
export function createActivities(deps: ActivityDeps) {
  return {
    attemptDelivery: createAttemptActivity(deps),
    ...createEndpointActivities(deps),
  };
}

export type DeliveryActivities = ReturnType<typeof createActivities>;
