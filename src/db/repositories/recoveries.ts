import type { Knex } from 'knex';
import type { DeliveryStatus } from '../types';
import type { RecoveryStatus } from '../../../workflows/recoveryTypes';

export interface RecoveryRow {
  id: string;
  tenant_id: string;
  webhook_id: string;
  status: RecoveryStatus;
  since: Date;
  until: Date;
  statuses: DeliveryStatus[];
  matched: number;
  started: number;
  succeeded: number;
  failed: number;
  workflow_started_at: Date | null;
  created_at: Date;
  completed_at: Date | null;
}

export type NewRecovery = Pick<RecoveryRow, 'id' | 'tenant_id' | 'webhook_id' | 'since' | 'until' | 'statuses'>;

/** A running recovery of this webhook whose window [since, until) overlaps the given one. */
export async function findOverlappingRecovery(db: Knex, webhookId: string, since: Date, until: Date): Promise<RecoveryRow | undefined> {
  return db('recoveries').where({ webhook_id: webhookId, status: 'running' })
    .andWhere('since', '<', until).andWhere('until', '>', since).orderBy('created_at').first();
}

/**
 * Inserts the recovery and fixes the deliveries it matches (this webhook's, in the window,
 * in one of the statuses): one statement each, in the caller's transaction. Returns the row.
 */
export async function insertRecovery(tx: Knex.Transaction, recovery: NewRecovery): Promise<RecoveryRow> {
  await tx('recoveries').insert(recovery);
  const matched = await tx.raw(`
    INSERT INTO recovery_items (recovery_id, delivery_id)
    SELECT ?, d.id FROM deliveries AS d
     WHERE d.webhook_id = ? AND d.tenant_id = ? AND d.status = ANY(?) AND d.created_at >= ? AND d.created_at < ?`,
  [recovery.id, recovery.webhook_id, recovery.tenant_id, recovery.statuses, recovery.since, recovery.until]);
  const [row] = await tx('recoveries').where({ id: recovery.id }).update({ matched: matched.rowCount }).returning('*');
  return row;
}

export async function findRecovery(db: Knex, tenantId: string, id: string): Promise<RecoveryRow | undefined> {
  return db('recoveries').where({ tenant_id: tenantId, id }).first();
}

/** Recoveries whose workflow was never started, older than `minAgeMs` (the request that made them may still start it). */
export async function unstartedRecoveries(db: Knex, minAgeMs: number): Promise<RecoveryRow[]> {
  return db('recoveries').whereNull('workflow_started_at').where({ status: 'running' })
    .andWhere('created_at', '<', db.raw(`now() - (? * interval '1 millisecond')`, [minAgeMs])).orderBy('created_at').limit(100);
}

export async function markRecoveryWorkflowStarted(db: Knex, id: string): Promise<void> {
  await db('recoveries').where({ id }).whereNull('workflow_started_at').update({ workflow_started_at: db.fn.now() });
}

/** The next matched deliveries after `after`, ids ascending (the primary key's order). */
export async function nextRecoveryItems(db: Knex, recoveryId: string, after: string | null, limit: number): Promise<string[]> {
  const rows = await db('recovery_items').where({ recovery_id: recoveryId })
    .modify((q) => (after === null ? q : q.andWhere('delivery_id', '>', after)))
    .orderBy('delivery_id').limit(limit).select('delivery_id');
  return rows.map((row: { delivery_id: string }) => row.delivery_id);
}

/** The run an earlier try of this item's start already made, if any. */
export async function itemRunId(db: Knex, recoveryId: string, deliveryId: string): Promise<string | null> {
  const row = await db('recovery_items').where({ recovery_id: recoveryId, delivery_id: deliveryId }).first('run_id');
  return (row?.run_id as string | null | undefined) ?? null;
}

/** Marks the item started with its run and counts it, once; true when this call did. */
export async function markItemStarted(db: Knex, recoveryId: string, deliveryId: string, runId: string): Promise<boolean> {
  const result = await db.raw(`
    WITH item AS (UPDATE recovery_items SET started_at = now(), run_id = ?
                   WHERE recovery_id = ? AND delivery_id = ? AND started_at IS NULL RETURNING 1)
    UPDATE recoveries SET started = started + 1 WHERE id = ? AND EXISTS (SELECT 1 FROM item)`,
  [runId, recoveryId, deliveryId, recoveryId]);
  return result.rowCount === 1;
}

/** Records the item's outcome and counts it, once; true when this call did. */
export async function recordItemOutcome(db: Knex, recoveryId: string, deliveryId: string, succeeded: boolean): Promise<boolean> {
  const result = await db.raw(`
    WITH item AS (UPDATE recovery_items SET outcome = ?
                   WHERE recovery_id = ? AND delivery_id = ? AND outcome IS NULL RETURNING 1)
    UPDATE recoveries SET succeeded = succeeded + ?, failed = failed + ? WHERE id = ? AND EXISTS (SELECT 1 FROM item)`,
  [succeeded ? 'succeeded' : 'failed', recoveryId, deliveryId, succeeded ? 1 : 0, succeeded ? 0 : 1, recoveryId]);
  return result.rowCount === 1;
}

/** Ends a running recovery; true when this call did. */
export async function finishRecoveryRow(db: Knex, id: string, status: Exclude<RecoveryStatus, 'running'>): Promise<boolean> {
  const changed = await db('recoveries').where({ id, status: 'running' }).update({ status, completed_at: db.fn.now() });
  return changed === 1;
}

/** Operator scope (the CLI): a live webhook's tenant, whoever it belongs to. */
export async function findWebhookTenant(db: Knex, webhookId: string): Promise<string | undefined> {
  const row = await db('webhooks').where({ id: webhookId }).whereNull('deleted_at').first('tenant_id');
  return row?.tenant_id as string | undefined;
}

/** Operator scope (the CLI): a recovery by id alone. */
export async function findRecoveryById(db: Knex, id: string): Promise<RecoveryRow | undefined> {
  return db('recoveries').where({ id }).first();
}
