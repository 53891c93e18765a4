import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { expireHeldRows, requeueStaleClaims, scheduledRowsDue, webhooksWithWaitingRows } from '../db/repositories/permitQueue';
import { PeriodicPass } from '../events/periodicPass';
import { EXPIRED_ERROR } from '../../workflows/statuses';
import type { EndpointWaker } from './waker';

/** See permitSweep: longer than the endpoint workflow's task timeout. */
const STALE_CLAIM_MS = 60_000;
/** A block's own claim is repeated only by its block (every 2 s while it lives). */
const STALE_BLOCK_CLAIM_MS = 10_000;

export interface SweepOptions {
  intervalMs: number;
  /** The maximum delivery age: rows the circuit held longer are dead-lettered here. */
  maxDeliveryAgeMs: number;
  /** Rows younger than this are left to the wake of the process that wrote them. */
  graceMs?: number;
}

/**
 * The slow periodic sweep of the permit queue (docs/permits.md): wakes the endpoints whose rows
 * have waited longer than the grace (Temporal was down at publish, a process died, an operator
 * terminated the endpoint workflow), puts back in the queue the rows of grant batches that never
 * completed (an endpoint run terminated mid-batch) once they are a minute old: longer than the
 * endpoint's workflow task timeout (30 s), so a batch repeated by its retried task (a worker
 * killed mid-batch) completes its own claim first; a block's own claims after ten seconds. It
 * arms the wakes of scheduled rows coming due (a restart loses none). And it dead-letters
 * never-started rows an open circuit held past the maximum delivery age (reporting each).
 */
export function permitSweep(
  deps: { db: Knex; waker: EndpointWaker; log: Logger; deadLettered: (deliveryId: string) => Promise<void> }, options: SweepOptions,
): PeriodicPass {
  return new PeriodicPass('permit queue sweep', options.intervalMs, async () => {
    await requeueStaleClaims(deps.db, STALE_CLAIM_MS, STALE_BLOCK_CLAIM_MS);
    deps.waker.wake(await webhooksWithWaitingRows(deps.db, options.graceMs ?? 2000), true);
    // Scheduled rows coming due before the pass after next: their endpoints are woken on time.
    for (const { webhookId, dueAt } of await scheduledRowsDue(deps.db, 2 * options.intervalMs)) deps.waker.wakeAt(webhookId, dueAt);
    for (const deliveryId of await expireHeldRows(deps.db, options.maxDeliveryAgeMs, EXPIRED_ERROR)) await deps.deadLettered(deliveryId);
  }, deps.log);
}
