import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { DeliveryControl } from '../temporal/deliveryControl';
import type { EndpointControl } from '../temporal/endpointControl';
import { BlockListener } from './blockListener';
import { PermitBlocks } from './blocks';
import { PermitReleases } from './releases';

/** A worker process's side of the permit protocol: its releases, the blocks lent to it and their listener. */
export async function startWorkerPermits(deps: { db: Knex; databaseUrl: string; deliveries: DeliveryControl; endpoints: EndpointControl; log: Logger }) {
  const releases = new PermitReleases(deps.endpoints);
  const blocks = new PermitBlocks({ db: deps.db, deliveries: deps.deliveries, releases, endpoints: deps.endpoints, log: deps.log });
  releases.keepForBlocks(blocks);
  const listener = new BlockListener(deps.databaseUrl, (webhookId) => blocks.notify(webhookId), deps.log);
  await listener.start();
  return {
    releases,
    blocks,
    /**
     * Before the worker stops (its connection carries the signals): no more lends or notices,
     * and every block goes back; its attempts still running release to the endpoint after.
     */
    async returnBlocks(): Promise<void> {
      await listener.stop();
      await blocks.returnAll();
    },
    /** After the worker's attempts: the releases held. */
    flushReleases: () => releases.flushAll(),
  };
}
