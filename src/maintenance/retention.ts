import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { releaseLease, renewLease, tryTakeLease } from '../db/repositories/leases';
import { pruneEnded, pruneEvents, pruneFinishedDeliveries, retentionCutoff, type PrunedRows } from '../db/repositories/retention';
import { PeriodicPass } from '../events/periodicPass';
import type { Metrics } from '../metrics';

export interface RetentionOptions {
  /** Finished deliveries (with their attempts) and events older than this are deleted. */
  retentionMs: number;
  intervalMs: number;
  /** Rows one statement deletes at most (deliveries, or events), so no lock is held for long. */
  batchSize: number;
}

export interface RetentionResult {
  cutoff: Date;
  pruned: PrunedRows;
}

const LEASE = 'retention';
/** Far longer than one batch takes; a pass renews it after every batch. */
const LEASE_TTL_MS = 5 * 60_000;

/**
 * Deletes history past the retention period, a batch per statement, finished deliveries first
 * (an event goes only once no delivery refers to it, so an event with an open delivery stays),
 * then finished recoveries and ended portal sessions.
 * Every API process runs it; a lease in Postgres lets one of them at a time do a pass.
 */
export class RetentionPass {
  private readonly periodic: PeriodicPass;
  private readonly holder = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

  constructor(
    private readonly deps: { db: Knex; log: Logger; metrics?: Metrics },
    private readonly options: RetentionOptions,
  ) {
    this.periodic = new PeriodicPass('retention pass', options.intervalMs, async () => {
      const result = await this.runOnce();
      if (result && result.pruned.deliveries + result.pruned.events > 0) deps.log.info({ ...result.pruned, cutoff: result.cutoff }, 'pruned history past retention');
    }, deps.log);
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** One pass; null when another process is running one. */
  async runOnce(): Promise<RetentionResult | null> {
    const { db } = this.deps;
    const cutoff = await retentionCutoff(db, this.options.retentionMs);
    if (!(await tryTakeLease(db, LEASE, this.holder, LEASE_TTL_MS))) return null;
    const pruned: PrunedRows = { deliveries: 0, attempts: 0, events: 0, recoveries: 0, portal_sessions: 0 };
    try {
      await this.repeat(async () => {
        const batch = await pruneFinishedDeliveries(db, cutoff, this.options.batchSize);
        pruned.deliveries += batch.deliveries;
        pruned.attempts += batch.attempts;
        this.count('deliveries', batch.deliveries);
        this.count('delivery_attempts', batch.attempts);
        return batch.deliveries;
      });
      await this.repeat(async () => {
        const events = await pruneEvents(db, cutoff, this.options.batchSize);
        pruned.events += events;
        this.count('events', events);
        return events;
      });
      for (const table of ['recoveries', 'portal_sessions'] as const) {
        await this.repeat(async () => {
          const rows = await pruneEnded(db, table, cutoff, this.options.batchSize);
          pruned[table] += rows;
          this.count(table, rows);
          return rows;
        });
      }
    } finally {
      await releaseLease(db, LEASE, this.holder);
    }
    return { cutoff, pruned };
  }

  /** Runs `batch` until it deletes less than a full batch, renewing the lease between batches. */
  private async repeat(batch: () => Promise<number>): Promise<void> {
    while ((await batch()) >= this.options.batchSize) {
      if (!(await renewLease(this.deps.db, LEASE, this.holder, LEASE_TTL_MS))) throw new Error('retention lease lost to another process; stopping this pass');
    }
  }

  private count(table: string, rows: number): void {
    if (rows > 0) this.deps.metrics?.prunedRows.inc({ table }, rows);
  }
}
