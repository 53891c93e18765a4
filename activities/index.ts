import { createAttemptActivity, type AttemptDeps } from './attempt';

export type ActivityDeps = AttemptDeps;

/** All activities, built from their dependencies (no module-level singletons). */
export function createActivities(deps: ActivityDeps) {
  return {
    attemptDelivery: createAttemptActivity(deps),
  };
}

export type DeliveryActivities = ReturnType<typeof createActivities>;
