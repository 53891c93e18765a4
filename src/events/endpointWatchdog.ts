import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { openDeliveryIds, webhooksWithOpenDeliveries } from '../db/repositories/deliveries';
import type { TemporalConnector } from '../temporal/client';
import type { EndpointControl } from '../temporal/endpoints';
import { PeriodicPass } from './periodicPass';
import { deliveryWorkflowId, renewPermitSignal } from '../../workflows/messages';

/**
 * Finds webhooks whose deliveries wait on an endpoint workflow that no longer runs (an
 * operator terminated it, say) and tells those deliveries to ask again, which starts a new
 * one. One describe per webhook with open deliveries per pass: waiting deliveries themselves
 * keep no timers, so a backlog of thousands costs nothing while it waits.
 */
export class EndpointWatchdog {
  private readonly periodic: PeriodicPass;

  constructor(
    private readonly deps: { db: Knex; temporal: TemporalConnector; endpoints: EndpointControl; log: Logger },
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
      const client = await this.deps.temporal.client();
      for (const deliveryId of await openDeliveryIds(this.deps.db, webhookId)) {
        // A delivery that is not waiting for a permit ignores this; one already gone can't hear it.
        await client.workflow.getHandle(deliveryWorkflowId(deliveryId)).signal(renewPermitSignal).catch(() => {});
        renewed++;
      }
    }
    return renewed;
  }
}
