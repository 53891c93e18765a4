import { createAttemptActivity, type AttemptDeps } from './attempt';
import { createLegacyActivities } from './legacy';
import { createPermitActivities, type PermitDeps } from './permits';
import { createRecoveryActivities, type RecoveryDeps } from './recovery';
import type { EndpointControl } from '../src/temporal/endpointControl';
import type { DeliveryActivities } from '../workflows/types';
import type { RecoveryActivities } from '../workflows/recoveryTypes';

export type ActivityDeps = AttemptDeps & PermitDeps & RecoveryDeps & { endpoints: EndpointControl };

/** All activities, built from their dependencies (no module-level singletons). */
export function createActivities(deps: ActivityDeps): DeliveryActivities & RecoveryActivities {
  return {
    attemptDelivery: createAttemptActivity(deps),
    ...createPermitActivities(deps),
    ...createLegacyActivities(deps),
    ...createRecoveryActivities(deps),
  };
}
