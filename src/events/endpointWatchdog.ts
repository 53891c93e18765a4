import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { openDeliveryIds, webhooksWithOpenDeliveries } from '../db/repositories/deliveries';
import type { TemporalConnector } from '../temporal/client';
import type { EndpointControl } from '../temporal/endpoints';
import { deliveryWorkflowId, renewPermitSignal } from '../../workflows/messages';

/**
 * Finds webhooks whose deliveries wait on an endpoint workflow that no longer runs (an
 * operator terminated it, say) and tells those deliveries to ask again, which starts a new
 * one. One describe per webhook with open deliveries per pass: waiting deliveries themselves
 * keep no timers, so a backlog of thousands costs nothing while it waits.
 */
export class EndpointWatchdog {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly deps: { db: Knex; temporal: TemporalConnector; endpoints: EndpointControl; log: Logger },
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async tick(): Promise<void> {
    if (this.running) return; // never overlap passes
    this.running = this.runOnce()
      .then((renewed) => {
        if (renewed > 0) this.deps.log.warn({ renewed }, 'endpoint workflows were missing; waiting deliveries asked again');
      })
      .catch((err) => this.deps.log.warn({ err: (err as Error).message }, 'endpoint check failed; will retry'))
      .finally(() => {
        this.running = null;
      });
    await this.running;
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
