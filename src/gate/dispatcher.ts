import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { DeliveryControl } from '../temporal/deliveryControl';
import { claimLeases, giveBackLeases, holdLeases, type ClaimResult, type ClaimSettings, type LeasedRow } from './leases';
import { deadLetterOrphan } from './queue';

/** Scheduled rows due later than this are left to the sweep's timers (see claimAt). */
const MAX_TIMER_MS = 10 * 60_000;
/** Leases handed out within this long are held by one statement (a quarter of the start ttl at most). */
const HOLD_BATCH_MS = 100;

export interface DispatcherDeps {
  db: Knex;
  deliveries: Pick<DeliveryControl, 'startWithLease' | 'grantLease'>;
  claim: ClaimSettings;
  /** How long a lease handed to its workflow is held before its attempt confirms it (the attempt's bound). */
  heldLeaseMs: number;
  log: Logger;
  /** A delivery whose workflow was gone was dead-lettered (reported as an operational event). */
  deadLettered?: (deliveryId: string) => Promise<void>;
  /** A claim left rows waiting for the rate limit's next token (a metric). */
  rateDelayed?: () => void;
}

/**
 * A process's hands on the gate (docs/permits.md): claims a webhook's free leases and hands
 * them out after the commit, starting the deliveries' workflows holding them (eagerly, where
 * this process runs a worker) or signalling those waiting for them. Publish calls enqueue,
 * which never blocks it. Coalesced per webhook: at most one claim in flight, and those asked
 * for meanwhile go as one after it. A lease that can't be handed out (Temporal away) goes
 * back, its row in its old place; a delivery whose workflow is gone is dead-lettered, so its
 * fifo line goes on. Nothing here counts: the claim's SQL does.
 */
export class Dispatcher {
  private readonly inFlight = new Set<string>();
  private readonly again = new Set<string>();
  private readonly running = new Set<Promise<unknown>>();
  /** Claims armed for scheduled rows and the rate limit's next token, by `<webhook id>@<due ms>`. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;
  /** Leases handed out since the last hold (see hold). */
  private readonly toHold: string[] = [];
  private holdTimer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: DispatcherDeps) {}

  /** These committed deliveries' webhooks have rows waiting (a scheduled one, from its deliver_at). */
  enqueue(deliveries: Array<{ webhook_id: string; deliver_at?: Date | null }>): void {
    const now = Date.now();
    const later = deliveries.filter((d) => d.deliver_at && d.deliver_at.getTime() > now);
    later.forEach((d) => this.claimAt(d.webhook_id, d.deliver_at as Date));
    this.dispatch([...new Set(deliveries.filter((d) => !later.includes(d)).map((d) => d.webhook_id))]);
  }

  /**
   * Claims for the webhook when a scheduled row comes due. In memory: should this process die,
   * the sweep of any process arms it again, so the row is late by a pass at most, never lost.
   */
  claimAt(webhookId: string, dueAt: Date): void {
    const key = `${webhookId}@${dueAt.getTime()}`;
    const waitMs = dueAt.getTime() - Date.now();
    if (this.stopped || this.timers.has(key) || waitMs > MAX_TIMER_MS) return;
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.dispatch([webhookId]);
    }, Math.max(0, waitMs)).unref());
  }

  /** Claims these webhooks' free leases and hands them out, in the background. */
  dispatch(webhookIds: string[]): void {
    for (const webhookId of webhookIds) {
      if (this.stopped) return;
      if (this.inFlight.has(webhookId)) this.again.add(webhookId);
      else this.track(this.claim(webhookId));
    }
  }

  /** Hands out leases claimed elsewhere (an attempt's record, a circuit's change), in the background. */
  handOut(claim: ClaimResult): void {
    this.afterRate(claim);
    if (claim.rows.length > 0) this.track(this.give(claim.rows));
  }

  /** Held back by the rate limit: claims again when its next token comes. */
  private afterRate(claim: ClaimResult): void {
    if (claim.nextTokenInMs === null) return;
    this.deps.rateDelayed?.();
    this.claimAt(claim.webhookId, new Date(Date.now() + claim.nextTokenInMs));
  }

  /** Waits for the claims and hand-outs in flight; none is started after. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
    await this.flushHolds();
  }

  /**
   * Leases handed to their workflow are held for the attempt's bound (holdLeases), in batches:
   * one statement for those handed out within HOLD_BATCH_MS, well inside the start ttl.
   */
  private hold(leaseIds: string[]): void {
    if (leaseIds.length === 0) return;
    this.toHold.push(...leaseIds);
    this.holdTimer ??= setTimeout(() => this.track(this.flushHolds()), Math.min(HOLD_BATCH_MS, this.deps.claim.startTtlMs / 4)).unref();
  }

  private async flushHolds(): Promise<void> {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    const leaseIds = this.toHold.splice(0);
    try {
      await holdLeases(this.deps.db, leaseIds, this.deps.heldLeaseMs);
    } catch (err) {
      this.deps.log.debug({ err }, 'holding leases failed; those not confirmed within the start ttl expire');
    }
  }

  private track(work: Promise<unknown>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  private async claim(webhookId: string): Promise<void> {
    this.inFlight.add(webhookId);
    try {
      const claim = await claimLeases(this.deps.db, webhookId, this.deps.claim);
      this.afterRate(claim);
      await this.give(claim.rows);
    } catch (err) {
      this.deps.log.debug({ err, webhookId }, 'claiming leases failed; the sweep claims again later');
    } finally {
      this.inFlight.delete(webhookId);
      if (this.again.delete(webhookId)) this.dispatch([webhookId]);
    }
  }

  private async give(rows: LeasedRow[]): Promise<void> {
    const outcomes = await Promise.all(rows.map((row) => this.giveOne(row)));
    const leasesOf = (outcome: string) => rows.filter((_, i) => outcomes[i] === outcome).map((r) => r.lease_id);
    this.hold(leasesOf('given'));
    try {
      await giveBackLeases(this.deps.db, leasesOf('failed'), true);
      // A lease freed by a gone workflow lets the next row go.
      this.dispatch(await giveBackLeases(this.deps.db, leasesOf('gone'), false));
    } catch (err) {
      this.deps.log.debug({ err }, 'handing leases back failed; they expire');
    }
  }

  private async giveOne(row: LeasedRow): Promise<'given' | 'gone' | 'failed'> {
    try {
      if (row.workflow_started_at === null && (await this.deps.deliveries.startWithLease(row, { leaseId: row.lease_id })) === 'started') return 'given';
      if (await this.deps.deliveries.grantLease(row.id, { leaseId: row.lease_id })) return 'given';
      if (await deadLetterOrphan(this.deps.db, row.id)) await this.deps.deadLettered?.(row.id);
      return 'gone';
    } catch (err) {
      this.deps.log.debug({ err, deliveryId: row.id }, 'could not hand a lease to its delivery; it goes back to the queue');
      return 'failed';
    }
  }
}
