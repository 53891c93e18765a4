// The circuit's transitions that are not an attempt's outcome (docs/permits.md): written only by
// the endpoint workflow's local activities, each in one transaction with the claims it allows.
import type { Knex } from 'knex';
import type { StoredNotice } from '../events/operational';
import type { CircuitState } from '../../workflows/types';
import type { GateSettings } from './attempts';
import { lockWebhook, NONE_TAKEN, takeLeases, type ClaimResult } from './leases';
import { showCircuitOnWaitingRows } from './queue';

export interface CircuitNow {
  state: CircuitState;
  openedAt: Date | null;
  leased: ClaimResult;
  notice: StoredNotice | null;
}

type Transition = (webhook: NonNullable<Awaited<ReturnType<typeof lockWebhook>>>) => CircuitState | null;

async function transition(db: Knex, webhookId: string, gate: GateSettings, to: Transition): Promise<CircuitNow> {
  return db.transaction(async (tx) => {
    const webhook = await lockWebhook(tx, webhookId);
    if (!webhook) return { state: 'closed', openedAt: null, leased: NONE_TAKEN(webhookId), notice: null };
    const next = to(webhook);
    let notice: StoredNotice | null = null;
    // Closing clears the count, even of a circuit closed already (a reset forgets the failures).
    if (next === 'closed' && webhook.circuit_failures !== 0) await tx('webhooks').where({ id: webhookId }).update({ circuit_failures: 0 });
    if (next !== null && next !== webhook.circuit_state) {
      const openedAt = next === 'closed' ? null : webhook.circuit_opened_at;
      notice = await gate.operational.circuitChangedIn(tx, webhookId, next, openedAt);
      if (next === 'closed') await showCircuitOnWaitingRows(tx, webhookId, false);
    }
    const state = next ?? webhook.circuit_state;
    const leased = await takeLeases(tx, webhookId, gate.claim);
    return { state, openedAt: state === 'closed' ? null : webhook.circuit_opened_at, leased, notice };
  });
}

/**
 * The open period that began at `openedAt` is over: half-open, and the probe's lease is taken.
 * A period that is no longer the current one (a reset, a newer opening) changes nothing.
 */
export function halfOpen(db: Knex, webhookId: string, openedAt: Date, gate: GateSettings): Promise<CircuitNow> {
  return transition(db, webhookId, gate, (w) => (w.circuit_state === 'open' && w.circuit_opened_at?.getTime() === openedAt.getTime() ? 'half_open' : null));
}

/** The operator's reset: closed at once, failures cleared, the room's leases taken. */
export function resetCircuit(db: Knex, webhookId: string, gate: GateSettings): Promise<CircuitNow> {
  return transition(db, webhookId, gate, () => 'closed');
}

/** Circuits open past their period by `lateMs`: their endpoint workflow missed the opening (the signal was lost). */
export async function circuitsOverdue(db: Knex, openMs: number, lateMs: number): Promise<Array<{ webhookId: string; tenantId: string; openedAt: Date }>> {
  const rows = await db('webhooks').where({ circuit_state: 'open', active: true }).whereNull('deleted_at').whereNotNull('circuit_opened_at')
    .andWhere('circuit_opened_at', '<', db.raw(`now() - (? * interval '1 millisecond')`, [openMs + lateMs])).limit(100)
    .select<Array<{ id: string; tenant_id: string; circuit_opened_at: Date }>>('id', 'tenant_id', 'circuit_opened_at');
  return rows.map((r) => ({ webhookId: r.id, tenantId: r.tenant_id, openedAt: r.circuit_opened_at }));
}
