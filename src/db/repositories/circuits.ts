import type { Knex } from 'knex';
import type { WebhookRow } from '../types';

type CircuitState = WebhookRow['circuit_state'];

/** What recording a circuit change tells the caller: the webhook, and its open period before and after. */
export interface RecordedCircuit {
  webhook: Pick<WebhookRow, 'id' | 'tenant_id' | 'name' | 'url' | 'active' | 'deleted_at'>;
  state: CircuitState;
  previousOpenSince: Date | null;
  openSince: Date | null;
}

/**
 * Writes the circuit's state in the webhook row, where the gate reads it (its writers:
 * docs/permits.md, "Who writes what"), and keeps when the current open period began: set when the circuit leaves
 * closed, kept through half-open and failed probes, cleared when it closes. Call inside a
 * transaction (the row is locked, so the period's start is read and written by one caller).
 */
export async function recordCircuit(tx: Knex.Transaction, webhookId: string, state: CircuitState, openedAt: Date | null, now: Date): Promise<RecordedCircuit | undefined> {
  const row = await tx('webhooks').where({ id: webhookId }).forUpdate()
    .first<(RecordedCircuit['webhook'] & { circuit_open_since: Date | null }) | undefined>('id', 'tenant_id', 'name', 'url', 'active', 'deleted_at', 'circuit_open_since');
  if (!row) return undefined;
  const { circuit_open_since: previousOpenSince, ...webhook } = row;
  const openSince = state === 'closed' ? null : previousOpenSince ?? openedAt ?? now;
  await tx('webhooks').where({ id: webhookId }).update({ circuit_state: state, circuit_opened_at: openedAt, circuit_open_since: openSince });
  return { webhook, state, previousOpenSince, openSince };
}

/** Active webhooks whose circuit has not closed for at least `openForMs` , longest open first. */
function openTooLong(db: Knex, openForMs: number) {
  return db('webhooks')
    .where({ active: true })
    .whereNull('deleted_at')
    .whereNotNull('circuit_open_since')
    .andWhere('circuit_open_since', '<=', db.raw(`now() - (? * interval '1 millisecond')`, [openForMs]));
}

/** A candidate for auto-disable as read (not locked: the transaction that disables it locks it again). */
export type OpenCircuit = Pick<WebhookRow, 'id' | 'circuit_open_since' | 'circuit_opened_at'>;

export async function findWebhooksOpenTooLong(db: Knex, openForMs: number, limit: number, exceptIds: string[]): Promise<OpenCircuit[]> {
  return openTooLong(db, openForMs).whereNotIn('id', exceptIds).orderBy('circuit_open_since').limit(limit)
    .select('id', 'circuit_open_since', 'circuit_opened_at');
}

/** Locks (SKIP LOCKED) those of `ids` that still qualify. Call inside a transaction. */
export async function lockWebhooksOpenTooLong(tx: Knex.Transaction, openForMs: number, ids: string[]): Promise<WebhookRow[]> {
  return openTooLong(tx, openForMs).whereIn('id', ids).orderBy('circuit_open_since').forUpdate().skipLocked();
}

/** Deactivates the webhook, saying why and when. */
export async function markDisabled(tx: Knex.Transaction, webhookId: string, reason: string): Promise<WebhookRow> {
  const [row] = await tx('webhooks').where({ id: webhookId })
    .update({ active: false, disabled_reason: reason, disabled_at: tx.fn.now(), updated_at: tx.fn.now() })
    .returning('*');
  return row;
}

/**
 * Columns a PATCH with `active: true` also sets: the auto-disable fields are cleared, and a
 * webhook that was inactive starts over with a closed circuit (its endpoint workflow ended when
 * it was deactivated; a new one starts closed), so its old open period can't disable it again.
 */
export function reactivationColumns(db: Knex) {
  return {
    disabled_reason: null,
    disabled_at: null,
    circuit_state: db.raw(`CASE WHEN active THEN circuit_state ELSE 'closed' END`),
    circuit_opened_at: db.raw('CASE WHEN active THEN circuit_opened_at END'),
    circuit_open_since: db.raw('CASE WHEN active THEN circuit_open_since END'),
  };
}

/** Webhooks disabled automatically (all tenants, or one), newest first: the operator CLI lists them. */
export async function listDisabledWebhooks(db: Knex, tenantId?: string): Promise<WebhookRow[]> {
  const query = db('webhooks').whereNotNull('disabled_at').whereNull('deleted_at').orderBy('disabled_at', 'desc');
  if (tenantId) query.andWhere({ tenant_id: tenantId });
  return query;
}
