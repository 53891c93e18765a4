import { createAttemptActivity, type AttemptDeps } from './attempt';
import { createEndpointActivities, type EndpointDeps } from './endpoint';
import { createRecoveryActivities, type RecoveryDeps } from './recovery';
import type { DeliveryActivities } from '../workflows/types';
import type { RecoveryActivities } from '../workflows/recoveryTypes';

export type ActivityDeps = AttemptDeps & EndpointDeps & RecoveryDeps;

/** All activities, built from their dependencies (no module-level singletons). */
export function createActivities(deps: ActivityDeps): DeliveryActivities & RecoveryActivities {
  return {
    attemptDelivery: createAttemptActivity(deps),
    ...createEndpointActivities(deps),
    ...createRecoveryActivities(deps),
  };
}
