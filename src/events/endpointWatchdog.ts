import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { openDeliveryIds, webhooksWithOpenDeliveries } from '../db/repositories/deliveries';
import type { DeliveryControl } from '../temporal/deliveryControl';
import type { EndpointControl } from '../temporal/endpointControl';
import { PeriodicPass } from './periodicPass';

/**
 * Finds webhooks whose deliveries wait on an endpoint workflow that no longer runs (an
 * operator terminated it, say) and tells those deliveries to ask again, which starts a new
 * one. One describe per webhook with open deliveries per pass: waiting deliveries themselves
 * keep no timers, so a backlog of thousands costs nothing while it waits.
 */
export class EndpointWatchdog {
  private readonly periodic: PeriodicPass;

  constructor(
    private readonly deps: { db: Knex; deliveries: DeliveryControl; endpoints: EndpointControl; log: Logger },
    intervalMs: number,
  ) {
    this.periodic = new PeriodicPass('endpoint check', intervalMs, async () => {
      const renewed = await this.runOnce();
      if (renewed > 0) deps.log.warn({ renewed }, 'endpoint workflows were missing; waiting deliveries asked again');
    }, deps.log);
  }

  start(): void {
    this.periodic.start();
  }

  stop(): Promise<void> {
    return this.periodic.stop();
  }

  /** One pass: returns how many deliveries were told to ask again. */
  async runOnce(): Promise<number> {
    let renewed = 0;
    for (const webhookId of await webhooksWithOpenDeliveries(this.deps.db)) {
      if (await this.deps.endpoints.isRunning(webhookId)) continue;
      renewed += await this.askAgain(webhookId);
    }
    return renewed;
  }

  /** Tells this webhook's open deliveries to ask again; counts those that heard it, logs the others (once per webhook). */
  private async askAgain(webhookId: string): Promise<number> {
    let told = 0;
    const failures: unknown[] = [];
    for (const deliveryId of await openDeliveryIds(this.deps.db, webhookId)) {
      // A delivery that is not waiting for a permit ignores this; one already gone can't hear it.
      try {
        if (await this.deps.deliveries.askAgainForPermit(deliveryId)) told++;
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) {
      const err = new AggregateError(failures, `${failures.length} deliveries could not be told to ask again`);
      this.deps.log.warn({ err, webhookId }, 'endpoint check: some waiting deliveries did not hear it; the next check tries again');
    }
    return told;
  }
}
