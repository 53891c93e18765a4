import { createAttemptActivity, type AttemptDeps } from './attempt';
import { createEndpointActivities, type EndpointDeps } from './endpoint';
import type { DeliveryActivities } from '../workflows/types';

export type ActivityDeps = AttemptDeps & EndpointDeps;

/** All activities, built from their dependencies (no module-level singletons). */
export function createActivities(deps: ActivityDeps): DeliveryActivities {
  return {
    attemptDelivery: createAttemptActivity(deps),
    ...createEndpointActivities(deps),
  };
}
