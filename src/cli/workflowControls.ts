import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { ConfigError, type Config } from '../config';
import { createWorkflowControls, type WorkflowControls } from '../events/controlFactory';
import { createLogger } from '../log';
import { TemporalConnector } from '../temporal/client';

/** Runs `fn` with the workflow controls on TEMPORAL_ADDRESS (commands that start or signal workflows). */
export async function withWorkflowControls<T>(
  ctx: { db: Knex; config: Config }, command: string, fn: (deps: WorkflowControls & { db: Knex; log: Logger }) => Promise<T>,
): Promise<T> {
  const { config } = ctx;
  if (!config.temporalAddress) throw new ConfigError(`${command} needs TEMPORAL_ADDRESS`);
  const temporal = new TemporalConnector({ address: config.temporalAddress, namespace: config.temporalNamespace });
  try {
    return await fn({ db: ctx.db, log: createLogger('warn'), ...createWorkflowControls(temporal, config) });
  } finally {
    await temporal.close();
  }
}
