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
    /** After the worker's attempts: blocks go back, then the releases held. */
    async stop(): Promise<void> {
      await listener.stop();
      await blocks.returnAll();
      await releases.flushAll();
    },
  };
}
