import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { lockUnstartedDeliveries, markWorkflowsStarted } from '../db/repositories/deliveries';
import type { DeliveryStarter } from '../temporal/starter';
import { PeriodicPass } from './periodicPass';

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
  private readonly periodic: PeriodicPass;

  constructor(
    private readonly db: Knex,
    private readonly starter: DeliveryStarter,
    log: Logger,
    private readonly options: DispatcherOptions,
  ) {
    this.periodic = new PeriodicPass('dispatcher pass', options.intervalMs, async () => {
      const count = await this.runOnce();
      if (count > 0) log.info({ count }, 'dispatcher started unstarted deliveries');
    }, log);
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
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
