import { appliedMigrations } from '../db/migrate';
import { countPrunable, retentionCutoff, type PrunedRows } from '../db/repositories/retention';
import { createLogger } from '../log';
import { RetentionPass } from '../maintenance/retention';
import type { Command } from './command';

const counts = (rows: PrunedRows) => `${rows.deliveries} deliveries, ${rows.attempts} attempts, ${rows.events} events, `
  + `${rows.recoveries} recoveries, ${rows.portal_sessions} portal sessions`;

export const MAINTENANCE_COMMANDS: Record<string, Command> = {
  // Every command (and every server process) migrates before it runs; this one does nothing
  // else, for a deployment step that brings the schema up to date before new processes start.
  migrate: {
    required: [],
    async run({ db, out }) {
      const applied = await appliedMigrations(db);
      out(`Database schema is up to date: ${applied.length} migrations, the latest ${applied.at(-1)}`);
    },
  },
  prune: {
    required: [],
    flags: ['dry-run'],
    async run({ db, config, options, out }) {
      const { retentionMs } = config.retention;
      if (options['dry-run']) {
        const cutoff = await retentionCutoff(db, retentionMs);
        out(`Would prune history finished before ${cutoff.toISOString()} (CONTINUUM_RETENTION): ${counts(await countPrunable(db, cutoff))}`);
        return;
      }
      const result = await new RetentionPass({ db, log: createLogger('warn') }, config.retention).runOnce();
      if (!result) throw new Error('another process is pruning right now; try again when it has finished');
      out(`Pruned history finished before ${result.cutoff.toISOString()}: ${counts(result.pruned)}`);
    },
  },
};
