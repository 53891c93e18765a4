import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { lockUnstartedDeliveries, markWorkflowsStarted } from '../db/repositories/deliveries';
import type { DeliveryStarter } from '../temporal/starter';

export interface DispatcherOptions {
  intervalMs: number;
  /** Rows younger than this are still being started by the API request that wrote them. */
  graceMs?: number;
  batchSize?: number;
}

/**
 * Starts the workflows of deliveries that were stored but never started (Temporal was down
 * at publish time, or the API process died between commit and start).
 */
export class Dispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Knex,
    private readonly starter: DeliveryStarter,
    private readonly log: Logger,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async tick(): Promise<void> {
    if (this.running) return; // never overlap passes
    this.running = this.runOnce()
      .then((count) => {
        if (count > 0) this.log.info({ count }, 'dispatcher started unstarted deliveries');
      })
      .catch((err) => this.log.warn({ err: (err as Error).message }, 'dispatcher pass failed; will retry'))
      .finally(() => {
        this.running = null;
      });
    await this.running;
  }

  /** One pass: returns how many workflows it started. */
  async runOnce(): Promise<number> {
    const batchSize = this.options.batchSize ?? 200;
    let total = 0;
    for (;;) {
      const started = await this.db.transaction(async (tx) => {
        const rows = await lockUnstartedDeliveries(tx, batchSize, this.options.graceMs ?? 2000);
        const ids = await this.starter.startAll(rows);
        await markWorkflowsStarted(tx, ids);
        return { locked: rows.length, started: ids.length };
      });
      total += started.started;
      if (started.locked < batchSize || started.started < started.locked) return total;
    }
  }
}
