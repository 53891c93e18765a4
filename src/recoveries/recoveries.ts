import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { newId } from '../db/ids';
import {
  finishRecoveryRow, findOverlappingRecovery, insertRecovery, markRecoveryWorkflowStarted, unstartedRecoveries, type RecoveryRow,
} from '../db/repositories/recoveries';
import type { DeliveryStatus } from '../db/types';
import { ConflictError, NotFoundError } from '../errors';
import { PeriodicPass } from '../events/periodicPass';
import type { Metrics } from '../metrics';
import type { RecoveryControl } from '../temporal/recoveryControl';

export interface RecoveryDeps {
  db: Knex;
  log: Logger;
  recoveries: RecoveryControl;
  metrics?: Metrics;
}

/** A checked request: the window [since, until) and the statuses to recover. */
export interface RecoverRequest {
  since: Date;
  until: Date;
  statuses: DeliveryStatus[];
}

/**
 * Records a recovery of this webhook's deliveries in the window with one of the statuses, the
 * set it matches fixed now, and starts its workflow. One overlapping recovery of the same
 * webhook still running is a conflict: the webhook row is locked meanwhile, so two requests
 * can't both pass that check. If Temporal is down the row waits and the recovery pass starts it.
 */
export async function createRecovery(deps: RecoveryDeps, tenantId: string, webhookId: string, request: RecoverRequest): Promise<RecoveryRow> {
  const recovery = await deps.db.transaction(async (tx) => {
    const webhook = await tx('webhooks').where({ tenant_id: tenantId, id: webhookId }).whereNull('deleted_at').forUpdate().first('id', 'active');
    if (!webhook) throw new NotFoundError('webhook', webhookId);
    if (!webhook.active) throw new ConflictError('webhook is inactive: activate it before recovering its deliveries');
    let running = await findOverlappingRecovery(tx, webhookId, request.since, request.until);
    while (running && (await abandon(deps, tx, running))) running = await findOverlappingRecovery(tx, webhookId, request.since, request.until);
    if (running) {
      throw new ConflictError('a recovery of an overlapping window is running for this webhook', {
        recovery_id: running.id, since: running.since.toISOString(), until: running.until.toISOString(),
      });
    }
    return insertRecovery(tx, { id: newId('rec'), tenant_id: tenantId, webhook_id: webhookId, ...request });
  });
  deps.metrics?.recoveriesStarted.inc();
  await startRecoveryWorkflow(deps, recovery);
  return recovery;
}

/**
 * Ends the row of a recovery whose workflow an operator terminated (it could not record its
 * own end), so it no longer holds its window. True when it did; a recovery whose workflow
 * runs, has not started yet, or can't be asked about (Temporal down) is left running.
 */
async function abandon(deps: RecoveryDeps, tx: Knex.Transaction, recovery: RecoveryRow): Promise<boolean> {
  if (!recovery.workflow_started_at) return false;
  const running = await deps.recoveries.isRunning(recovery.id).catch(() => true);
  if (running || !(await finishRecoveryRow(tx, recovery.id, 'cancelled'))) return false;
  deps.log.warn({ recoveryId: recovery.id }, 'recovery workflow ended without finishing its row (terminated?); marked cancelled');
  deps.metrics?.recoveriesFinished.inc({ status: 'cancelled' });
  return true;
}

/** Starts the recovery's workflow (idempotent by workflow id); a failure is logged and left to the pass. */
async function startRecoveryWorkflow(deps: RecoveryDeps, recovery: RecoveryRow): Promise<boolean> {
  try {
    await deps.recoveries.start(recovery);
    await markRecoveryWorkflowStarted(deps.db, recovery.id);
    return true;
  } catch (err) {
    deps.log.warn({ err, recoveryId: recovery.id }, 'could not start the recovery workflow; the recovery pass tries again');
    return false;
  }
}

/** Recoveries older than this with no workflow are the pass's: younger ones belong to their request still. */
const UNSTARTED_MIN_AGE_MS = 2000;

/** Starts the workflows of recoveries recorded while Temporal was unreachable (any API process; starts are idempotent). */
export function recoveryStarterPass(deps: RecoveryDeps, intervalMs: number): PeriodicPass {
  return new PeriodicPass('recovery start', intervalMs, async () => {
    for (const recovery of await unstartedRecoveries(deps.db, UNSTARTED_MIN_AGE_MS)) {
      if (!(await startRecoveryWorkflow(deps, recovery))) return;
    }
  }, deps.log);
}
