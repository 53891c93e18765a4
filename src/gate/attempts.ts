// An attempt's side of the gate (docs/permits.md): it confirms its lease before the POST, and
// one transaction records its outcome, gives the lease back, moves the breaker and takes the
// webhook's next leases.
import type { Knex } from 'knex';
import type { DeliveryContext } from '../db/repositories/deliveries';
import { FINAL_STATUSES, type AttemptTrigger, type DeliveryStatus } from '../db/types';
import type { OperationalEvents, StoredNotice } from '../events/operational';
import type { CircuitState, Outcome } from '../../workflows/types';
import { lockStatement, lockWebhook, NONE_TAKEN, OPEN_STATUS, readTake, takeLeases, takeStatement, type ClaimResult, type ClaimSettings, type LockedWebhook } from './leases';
import { showCircuitOnWaitingRows } from './queue';
import { prepared } from '../db/knex';
import { inOneTrip, runPrepared, type PreparedStatement } from '../db/oneTrip';

/**
 * Confirms the lease and extends it to `boundMs` (the attempt's bound and a margin), fixes the
 * attempt's number on it (a re-run of this attempt gets the same one), marks the delivery in
 * flight and returns what the POST needs: one statement. Undefined when nothing may be sent:
 * the lease expired or is unknown, the delivery is final already (a spare lease granted while
 * its attempt ran: a task run again must not send it twice), the webhook retired, or this
 * lease's attempt is recorded already (see whyNotSent); nothing that matters is changed then.
 * `probe`: the lease is the half-open circuit's one probe.
 */
export async function beginAttempt(db: Knex, deliveryId: string, leaseId: string, boundMs: number)
  : Promise<(DeliveryContext & { probe: boolean }) | undefined> {
  const { rows } = await db.raw(`
    WITH lease AS (
      UPDATE gate_leases AS l SET expires_at = now() + :boundMs * interval '1 millisecond',
             attempt_number = coalesce(l.attempt_number, (SELECT attempt_count + 1 FROM deliveries WHERE id = :deliveryId))
       WHERE l.id = :leaseId AND l.delivery_id = :deliveryId AND l.expires_at > now()
         AND NOT EXISTS (SELECT 1 FROM delivery_attempts AS a WHERE a.delivery_id = :deliveryId AND a.lease_id = :leaseId)
      RETURNING l.attempt_number, l.probe)
    UPDATE deliveries AS d
       SET status = 'in_flight', attempt_count = greatest(d.attempt_count, (SELECT attempt_number FROM lease)), next_attempt_at = NULL,
           workflow_started_at = coalesce(d.workflow_started_at, now())
      FROM webhooks AS w, events AS e
     WHERE d.id = :deliveryId AND w.id = d.webhook_id AND e.id = d.event_id AND EXISTS (SELECT 1 FROM lease)
       AND ${OPEN_STATUS} AND w.active AND w.deleted_at IS NULL
    RETURNING d.id, d.tenant_id, (SELECT attempt_number FROM lease) AS attempt_count, (SELECT probe FROM lease) AS probe, e.type AS event_type, e.body, w.url, w.id AS webhook_id,
              w.secret_ciphertext, w.previous_secret_ciphertext, w.previous_secret_expires_at, w.headers_ciphertext`, { deliveryId, leaseId, boundMs })
    .options(prepared('gate_begin_attempt'));
  return rows[0];
}

/** The attempt recorded under this lease, if any. */
export async function findAttemptByLease(db: Knex, deliveryId: string, leaseId: string) {
  return db('delivery_attempts').where({ delivery_id: deliveryId, lease_id: leaseId })
    .first<{ attempt_number: number; status_code: number | null; error_message: string | null; duration_ms: number } | undefined>(
      'attempt_number', 'status_code', 'error_message', 'duration_ms');
}

/** Why beginAttempt sent nothing: the delivery or its webhook is retired, the delivery ended already, or the lease is no longer held. */
export async function whyNotSent(db: Knex, deliveryId: string): Promise<'unknown' | 'retired' | 'ended' | 'lease_lost'> {
  const row = await db('deliveries as d').join('webhooks as w', 'w.id', 'd.webhook_id').where('d.id', deliveryId)
    .first<{ status: DeliveryStatus; active: boolean; deleted_at: Date | null } | undefined>('d.status', 'w.active', 'w.deleted_at');
  if (!row) return 'unknown';
  if (row.status === 'cancelled' || !row.active || row.deleted_at) return 'retired';
  return FINAL_STATUSES.includes(row.status) ? 'ended' : 'lease_lost';
}

// The breaker's rule for an attempt's outcome (docs/permits.md, "Invariants"): pure.
export interface Breaker {
  state: CircuitState;
  /** Failures committed since the last success, while closed. */
  failures: number;
}

/**
 * The breaker after one attempt's outcome, `probe` when it was made under the half-open
 * circuit's one lease. Closed: a success clears the count, a failure adds one and the one that
 * reaches `threshold` opens it. Half-open: the probe's 2xx closes it, its failure opens it again.
 * Any other outcome (an attempt let out before the circuit opened) moves nothing.
 */
export function afterOutcome(breaker: Breaker, outcome: Outcome, probe: boolean, threshold: number): Breaker {
  if (outcome === 'none') return breaker;
  if (breaker.state === 'closed') {
    if (outcome === 'success') return { state: 'closed', failures: 0 };
    const failures = breaker.failures + 1;
    return { state: failures >= threshold ? 'open' : 'closed', failures };
  }
  if (breaker.state === 'half_open' && probe) {
    return outcome === 'success' ? { state: 'closed', failures: 0 } : { state: 'open', failures: breaker.failures };
  }
  return breaker;
}

export interface AttemptRecord {
  deliveryId: string;
  webhookId: string;
  leaseId: string;
  attemptNumber: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  errorMessage: string | null;
  responseBody: string | null;
  trigger: AttemptTrigger;
  /** The lease was the half-open circuit's probe (beginAttempt says). */
  probe: boolean;
  newStatus: DeliveryStatus;
  nextAttemptAt: Date | null;
  outcome: Outcome;
}

export interface GateSettings {
  failureThreshold: number;
  claim: ClaimSettings;
  operational: Pick<OperationalEvents, 'circuitChangedIn'>;
}

export interface Recorded {
  /** False when this attempt was recorded before (a re-run): nothing was counted again. */
  counted: boolean;
  /** The circuit moved (opened, or a probe closed it): tell the endpoint workflow. */
  circuit: { state: CircuitState; openedAt: Date | null } | null;
  notice: StoredNotice | null;
  /** The webhook's next leases: start or signal their deliveries after the commit. */
  leased: ClaimResult;
}

/**
 * Records the attempt and the delivery's new state, gives its lease back and moves the
 * breaker, then takes the webhook's next leases: one transaction, the webhook row locked first
 * (so outcomes count in commit order). The attempt row is unique per delivery and number, so a
 * re-run activity's record conflicts and counts nothing.
 */
export async function recordAttempt(db: Knex, record: AttemptRecord, gate: GateSettings): Promise<Recorded> {
  if (movesNoState(record)) return recordInOneTrip(db, record, gate);
  return db.transaction(async (tx) => {
    const webhook = await lockWebhook(tx, record.webhookId);
    const { counted, probe } = await storeOutcome(tx, record);
    let circuit: Recorded['circuit'] = null;
    let notice: StoredNotice | null = null;
    if (counted && webhook) ({ circuit, notice } = await moveBreaker(tx, webhook, record.outcome, probe, gate));
    const leased = webhook ? await takeLeases(tx, record.webhookId, gate.claim) : NONE_TAKEN(record.webhookId);
    return { counted, circuit, notice, leased };
  });
}

/**
 * A success under an ordinary lease, or an outcome that counts for nothing, moves no circuit
 * from one state to another (afterOutcome): at most a success clears a closed circuit's
 * failures, which the store's statement does itself.
 */
const movesNoState = (record: AttemptRecord) => record.outcome === 'none' || (record.outcome === 'success' && !record.probe);

/**
 * The same transaction as recordAttempt's for an outcome that moves no state: the lock, the
 * store and the next claim in one trip (src/db/oneTrip.ts), so the webhook row is held only
 * while Postgres runs them. The commonest record by far: every 2xx of a healthy endpoint.
 */
async function recordInOneTrip(db: Knex, record: AttemptRecord, gate: GateSettings): Promise<Recorded> {
  const [locked, stored, taken] = await inOneTrip(db, [
    lockStatement(record.webhookId), storeStatement(record, record.outcome === 'success'), takeStatement(record.webhookId, gate.claim)]);
  const leased = locked.rows.length > 0 ? readTake(record.webhookId, taken.rows) : NONE_TAKEN(record.webhookId);
  return { counted: stored.rows[0].counted === true, circuit: null, notice: null, leased };
}

async function storeOutcome(tx: Knex.Transaction, record: AttemptRecord): Promise<{ counted: boolean; probe: boolean }> {
  const [row] = await runPrepared(tx, storeStatement(record, false));
  return { counted: row.counted === true, probe: row.probe === true };
}

/**
 * One statement: the attempt row (a re-run's conflicts: not counted), the lease deleted, and,
 * when counted, the delivery's new state, unless it is final already: an attempt that finishes
 * after the webhook was deleted does not revive its cancelled delivery, nor one under a spare
 * lease (two attempts raced) undo the other's success. With `clearFailures`, a counted
 * success also clears a closed circuit's failures (after the webhook row's lock).
 */
function storeStatement(record: AttemptRecord, clearFailures: boolean): PreparedStatement {
  return { name: 'gate_store_outcome', sql: `
    WITH attempt AS (
      INSERT INTO delivery_attempts (delivery_id, attempt_number, started_at, duration_ms, status_code, error_message, response_body, trigger, lease_id)
      VALUES (:deliveryId, :attemptNumber, :startedAt, :durationMs, :statusCode, :errorMessage, :responseBody, :trigger, :leaseId)
      ON CONFLICT (delivery_id, attempt_number) DO NOTHING RETURNING id),
    released AS (DELETE FROM gate_leases WHERE id = :leaseId RETURNING probe),
    delivery AS (
      UPDATE deliveries AS d SET status = :newStatus, last_status_code = :statusCode, last_error = :errorMessage, next_attempt_at = :nextAttemptAt,
             completed_at = CASE WHEN :final THEN now() ELSE NULL END
       WHERE d.id = :deliveryId AND ${OPEN_STATUS} AND EXISTS (SELECT 1 FROM attempt)),
    breaker AS (
      UPDATE webhooks SET circuit_failures = 0
       WHERE :clearFailures AND id = :webhookId AND circuit_state = 'closed' AND circuit_failures <> 0 AND EXISTS (SELECT 1 FROM attempt))
    -- A data-modifying WITH runs whether or not the query reads it.
    SELECT EXISTS (SELECT 1 FROM attempt) AS counted, coalesce((SELECT probe FROM released), false) AS probe`, bindings: {
    deliveryId: record.deliveryId, attemptNumber: record.attemptNumber, startedAt: record.startedAt, durationMs: record.durationMs,
    statusCode: record.statusCode, errorMessage: record.errorMessage, responseBody: record.responseBody, trigger: record.trigger,
    leaseId: record.leaseId, newStatus: record.newStatus, nextAttemptAt: record.nextAttemptAt, final: FINAL_STATUSES.includes(record.newStatus),
    webhookId: record.webhookId, clearFailures,
  } };
}

async function moveBreaker(
  tx: Knex.Transaction, webhook: LockedWebhook, outcome: Outcome, probe: boolean, gate: GateSettings,
): Promise<Pick<Recorded, 'circuit' | 'notice'>> {
  const before = { state: webhook.circuit_state, failures: webhook.circuit_failures };
  const after = afterOutcome(before, outcome, probe, gate.failureThreshold);
  if (after.failures !== before.failures) await tx('webhooks').where({ id: webhook.id }).update({ circuit_failures: after.failures });
  // Closed → open (the threshold), half-open → closed or → open again (the probe): a new period.
  if (after.state === before.state) return { circuit: null, notice: null };
  const openedAt = after.state === 'open' ? new Date() : null;
  const notice = await gate.operational.circuitChangedIn(tx, webhook.id, after.state, openedAt);
  await showCircuitOnWaitingRows(tx, webhook.id, after.state !== 'closed');
  return { circuit: { state: after.state, openedAt }, notice };
}
