import { createAttemptActivity, type AttemptDeps } from './attempt';
import { createEndpointActivities, createGateActivities, type GateDeps } from './gate';
import { createRecoveryActivities, type RecoveryDeps } from './recovery';
import type { DeliveryActivities, EndpointActivities } from '../workflows/types';
import type { RecoveryActivities } from '../workflows/recoveryTypes';

export type ActivityDeps = AttemptDeps & GateDeps & RecoveryDeps;

/** All activities, built from their dependencies (no module-level singletons). */
export function createActivities(deps: ActivityDeps): DeliveryActivities & EndpointActivities & RecoveryActivities {
  return {
    attemptDelivery: createAttemptActivity(deps),
    ...createGateActivities(deps),
    ...createEndpointActivities(deps),
    ...createRecoveryActivities(deps),
  };
}
