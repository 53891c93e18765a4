import { Context } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { RecoveryActivities } from '../workflows/recoveryTypes';
import { findDelivery } from '../src/db/repositories/deliveries';
import {
  finishRecoveryRow, itemRunId, markItemStarted, nextRecoveryItems, recordItemOutcome,
} from '../src/db/repositories/recoveries';
import { acceptsDeliveries, findWebhookForDelivery } from '../src/db/repositories/webhooks';
import type { Metrics } from '../src/metrics';
import type { DeliveryControl } from '../src/temporal/deliveryControl';
import { reattemptDelivery } from '../src/webhooks/lifecycle';

export interface RecoveryDeps {
  db: Knex;
  deliveries: DeliveryControl;
  metrics?: Metrics;
}

/** How often a wait for a delivery reports that it is alive (its heartbeat timeout is 1 minute). */
const HEARTBEAT_MS = 10_000;

/** Runs `work`, heartbeating meanwhile; gives up when the activity is cancelled. */
async function withHeartbeat<T>(work: Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
  try {
    return await Promise.race([work, context.cancelled]);
  } finally {
    clearInterval(timer);
  }
}

/** The recovery workflow's side effects: its page of deliveries, each re-attempt and its outcome, the end. */
export function createRecoveryActivities(deps: RecoveryDeps): RecoveryActivities {
  const { db, metrics } = deps;
  const isActive = async (webhookId: string) => acceptsDeliveries(await findWebhookForDelivery(db, webhookId));
  return {
    async loadRecoveryPage({ recoveryId, webhookId, after, limit }) {
      const webhook = await findWebhookForDelivery(db, webhookId);
      const webhookActive = acceptsDeliveries(webhook);
      const deliveryIds = webhookActive ? await nextRecoveryItems(db, recoveryId, after, limit) : [];
      return { deliveryIds, maxConcurrency: webhook?.max_concurrency ?? 1, webhookActive };
    },

    async startRecoveryAttempt({ recoveryId, tenantId, webhookId, deliveryId }) {
      // A repeated call (its result was lost) follows the run it made instead of signalling again.
      const earlier = await itemRunId(db, recoveryId, deliveryId);
      if (earlier !== null) return { runId: earlier, webhookActive: true };
      if (!(await isActive(webhookId))) return { runId: null, webhookActive: false };
      const delivery = await findDelivery(db, tenantId, webhookId, deliveryId);
      if (!delivery) return { runId: null, webhookActive: true };
      const runId = await reattemptDelivery(deps, delivery, 'recovery');
      if (await markItemStarted(db, recoveryId, deliveryId, runId)) metrics?.recoveryDeliveries.inc({ outcome: 'started' });
      return { runId, webhookActive: true };
    },

    async awaitRecoveryAttempt({ recoveryId, tenantId, webhookId, deliveryId, runId }) {
      const result = await withHeartbeat(deps.deliveries.awaitRun(deliveryId, runId));
      // No result (the run was terminated, or is past Temporal's retention): the row tells.
      const succeeded = result ? result.status === 'succeeded' : (await findDelivery(db, tenantId, webhookId, deliveryId))?.status === 'succeeded';
      if (await recordItemOutcome(db, recoveryId, deliveryId, succeeded)) {
        metrics?.recoveryDeliveries.inc({ outcome: succeeded ? 'succeeded' : 'failed' });
      }
      return succeeded;
    },

    async finishRecovery({ recoveryId, status }) {
      if (await finishRecoveryRow(db, recoveryId, status)) metrics?.recoveriesFinished.inc({ status });
    },
  };
}
