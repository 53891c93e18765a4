import { recoverSchema } from '../api/recoverySchemas';
import { findRecoveryById, findWebhookTenant } from '../db/repositories/recoveries';
import { NotFoundError, ValidationError } from '../errors';
import { createRecovery } from '../recoveries/recoveries';
import type { Command } from './command';
import { withWorkflowControls } from './workflowControls';

export const RECOVERY_USAGE = `  recover           --webhook <wh_id> --since <ISO time> [--until <ISO time>] [--statuses dead_lettered,cancelled,succeeded]
                                                      (needs TEMPORAL_ADDRESS; prints the recovery id alone on its last line)
  recoveries show   --id <rec_id>`;

const iso = (date: Date | null) => (date ? date.toISOString() : '-');

/** Bulk recovery from the command line: the same rules and path as POST /webhooks/{id}/recover. */
export const RECOVERY_COMMANDS: Record<string, Command> = {
  recover: {
    required: ['webhook', 'since'],
    async run({ db, config, options, out }) {
      const parsed = recoverSchema.safeParse({ since: options.since, until: options.until, statuses: options.statuses?.split(',') });
      if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => `--${i.path.join('.')} ${i.message}`).join('\n'));
      const tenantId = await findWebhookTenant(db, options.webhook);
      if (!tenantId) throw new NotFoundError('webhook', options.webhook);
      const recovery = await withWorkflowControls({ db, config }, 'recover', (deps) => createRecovery(deps, tenantId, options.webhook, parsed.data));
      out(`Recovering ${recovery.matched} ${recovery.statuses.join('/')} deliveries of ${options.webhook} created ${iso(recovery.since)} .. ${iso(recovery.until)}`);
      out(recovery.id);
    },
  },
  'recoveries show': {
    required: ['id'],
    async run({ db, options, out }) {
      const r = await findRecoveryById(db, options.id);
      if (!r) throw new NotFoundError('recovery', options.id);
      out(['id', 'webhook', 'status', 'matched', 'started', 'succeeded', 'failed', 'created_at', 'completed_at'].join('\t'));
      out([r.id, r.webhook_id, r.status, r.matched, r.started, r.succeeded, r.failed, iso(r.created_at), iso(r.completed_at)].join('\t'));
    },
  },
};
