import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { findUnstartedDeliveries, lockUnstartedDeliveries, markWorkflowsStarted } from '../db/repositories/deliveries';
import type { DeliveryStarter } from '../temporal/starter';
import { PeriodicPass } from './periodicPass';

export interface DispatcherOptions {
  intervalMs: number;
  /** Rows younger than this are left to the process that wrote them (its start queue). */
  graceMs?: number;
  batchSize?: number;
  /** Batches of the start queue in progress at once. */
  concurrentBatches?: number;
}

/**
 * Starts the workflows of stored deliveries, behind the API: publish commits its rows, hands
 * their ids to `enqueue` and answers; batches are started at once, in the order they came. A
 * periodic pass finds the rows no queue started (Temporal was down, or the process that
 * wrote them died); it locks them (SKIP LOCKED), so passes of several processes share them.
 */
export class Dispatcher {
  private readonly periodic: PeriodicPass;
  private readonly queue: string[] = [];
  private active = 0;
  private stopped = false;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly db: Knex,
    private readonly starter: DeliveryStarter,
    private readonly log: Logger,
    private readonly options: DispatcherOptions,
  ) {
    this.periodic = new PeriodicPass('dispatcher pass', options.intervalMs, async () => {
      // While the queue works, its rows may be older than the grace period under a burst;
      // the pass would only start them a second time.
      if (this.queue.length > 0 || this.active > 0) return;
      const count = await this.runOnce();
      if (count > 0) log.info({ count }, 'dispatcher started unstarted deliveries');
    }, log);
  }

  start(): void {
    this.periodic.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.periodic.stop();
    this.queue.length = 0; // left to the next periodic pass, in this process or another
    if (this.active > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  /** Starts these committed deliveries as soon as possible (never blocks the caller). */
  enqueue(ids: string[]): void {
    if (this.stopped) return; // the rows are committed: a dispatcher pass starts them
    this.queue.push(...ids);
    this.drain();
  }

  private drain(): void {
    const batchSize = this.options.batchSize ?? 200;
    while (this.queue.length > 0 && this.active < (this.options.concurrentBatches ?? 4)) {
      const ids = this.queue.splice(0, batchSize);
      this.active++;
      this.startQueued(ids)
        .catch((err) => this.log.warn({ err, count: ids.length }, 'starting deliveries failed; the dispatcher pass will retry'))
        .finally(() => {
          this.active--;
          this.drain();
          if (this.active === 0) {
            this.idle.forEach((wake) => wake());
            this.idle.clear();
          }
        });
    }
  }

  /**
   * Starts queued deliveries without holding a lock while Temporal answers: should a pass of
   * another process take one of them too, the second start finds it running and its permit
   * request repeats a lease id the endpoint already knows.
   */
  private async startQueued(ids: string[]): Promise<void> {
    const rows = await findUnstartedDeliveries(this.db, ids);
    await markWorkflowsStarted(this.db, await this.starter.startAll(rows));
  }

  /** Locks the oldest unstarted rows past the grace period, starts them, marks them. */
  private startBatch(limit: number) {
    return this.db.transaction(async (tx) => {
      const rows = await lockUnstartedDeliveries(tx, limit, this.options.graceMs ?? 2000);
      const ids = await this.starter.startAll(rows);
      await markWorkflowsStarted(tx, ids);
      return { locked: rows.length, started: ids.length };
    });
  }

  /** One pass over rows no queue started: returns how many workflows it started. */
  async runOnce(): Promise<number> {
    const batchSize = this.options.batchSize ?? 200;
    let total = 0;
    for (;;) {
      const started = await this.startBatch(batchSize);
      total += started.started;
      if (started.locked < batchSize || started.started < started.locked) return total;
    }
  }
}
