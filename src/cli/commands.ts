import { createApiKey, listApiKeys, revokeApiKey } from '../db/repositories/apiKeys';
import { listDeliveries } from '../db/repositories/history';
import { findWebhook, listWebhooks } from '../db/repositories/webhooks';
import { listDisabledWebhooks } from '../db/repositories/circuits';
import { NotFoundError, ValidationError } from '../errors';
import { listDeliveriesQuery } from '../api/schemas';
import { retryDelivery } from '../webhooks/lifecycle';
import { MAINTENANCE_COMMANDS } from './maintenance';
import { RECOVERY_COMMANDS, RECOVERY_USAGE } from './recoveryCommands';
import { withWorkflowControls } from './workflowControls';
import type { Command } from './command';
import { PORTAL_COMMANDS, PORTAL_USAGE } from './portalCommands';
import { EVENT_TYPE_COMMANDS, EVENT_TYPES_USAGE } from './eventTypeCommands';

export type { Command, CommandContext } from './command';

export const USAGE = `usage: npm run cli -- <command>
  api-keys create   --tenant <id> [--name <name>]     prints the new key alone on its last line
  api-keys list     --tenant <id>
  api-keys revoke   --tenant <id> --id <key_id>
  webhooks list     --tenant <id>
  webhooks disabled [--tenant <id>]                   webhooks disabled automatically (circuit open too long)
  deliveries list   --tenant <id> --webhook <wh_id> [--status <status>] [--limit <n>]
  deliveries retry  --tenant <id> --webhook <wh_id> --delivery <del_id>   (needs TEMPORAL_ADDRESS)
  migrate                           brings the database schema up to date (every command and server does this at start)
  prune             [--dry-run]     deletes history past CONTINUUM_RETENTION now (--dry-run: counts only)
${RECOVERY_USAGE}
${PORTAL_USAGE}
${EVENT_TYPES_USAGE}`;

const iso = (date: Date | null) => (date ? date.toISOString() : '-');
const table = (out: (line: string) => void, rows: unknown[][]) => rows.forEach((row) => out(row.map((cell) => cell ?? '-').join('\t')));

export const COMMANDS: Record<string, Command> = {
  ...PORTAL_COMMANDS,
  ...EVENT_TYPE_COMMANDS,
  'api-keys create': {
    required: ['tenant'],
    async run({ db, options, out }) {
      const { key, record } = await createApiKey(db, { tenantId: options.tenant, name: options.name });
      out(`Created API key ${record.id} for tenant ${options.tenant}. It is shown once; store it now:`);
      out(key);
    },
  },
  'api-keys list': {
    required: ['tenant'],
    async run({ db, options, out }) {
      const keys = await listApiKeys(db, options.tenant);
      table(out, [['id', 'prefix', 'name', 'created_at', 'revoked_at'], ...keys.map((k) => [k.id, `${k.prefix}…`, k.name || '-', iso(k.created_at), iso(k.revoked_at)])]);
    },
  },
  'api-keys revoke': {
    required: ['tenant', 'id'],
    async run({ db, options, out }) {
      if (!(await revokeApiKey(db, options.tenant, options.id))) throw new NotFoundError(`active key of tenant ${options.tenant}`, options.id);
      out(`Revoked ${options.id}`);
    },
  },
  'webhooks list': {
    required: ['tenant'],
    async run({ db, options, out }) {
      const hooks = await listWebhooks(db, options.tenant);
      // Custom headers by name only: their values are credentials, never printed.
      table(out, [['id', 'active', 'circuit', 'rate_limit_per_s', 'headers', 'events', 'url'], ...hooks.map((w) => [
        w.id, w.active, w.circuit_state, w.rate_limit_per_s, w.header_names.join(',') || null, w.events.join(','), w.url])]);
    },
  },
  'webhooks disabled': {
    required: [],
    async run({ db, options, out }) {
      const hooks = await listDisabledWebhooks(db, options.tenant);
      table(out, [['id', 'tenant', 'disabled_at', 'reason', 'url'], ...hooks.map((w) => [w.id, w.tenant_id, iso(w.disabled_at), w.disabled_reason, w.url])]);
    },
  },
  'deliveries list': {
    required: ['tenant', 'webhook'],
    async run({ db, options, out }) {
      // The same bounds as GET /webhooks/{id}/deliveries.
      const query = listDeliveriesQuery.safeParse({ limit: options.limit, status: options.status });
      if (!query.success) throw new ValidationError(query.error.issues.map((i) => `--${i.path.join('.')} ${i.message}`).join('\n'));
      const page = await listDeliveries(db, options.tenant, options.webhook, query.data);
      table(out, [['id', 'event', 'status', 'attempts', 'last_status', 'created_at', 'error'],
        ...page.rows.map((d) => [d.id, d.event_type, d.status, d.attempt_count, d.last_status_code, iso(d.created_at), d.last_error])]);
      out(`${page.rows.length} of ${page.total}`);
    },
  },
  'deliveries retry': {
    required: ['tenant', 'webhook', 'delivery'],
    async run({ db, config, options, out }) {
      const webhook = await findWebhook(db, options.tenant, options.webhook);
      if (!webhook) throw new NotFoundError(`webhook of tenant ${options.tenant}`, options.webhook);
      await withWorkflowControls({ db, config }, 'deliveries retry', async (deps) => {
        const delivery = await retryDelivery(deps, options.tenant, webhook, options.delivery);
        out(`Retrying ${delivery.id} (was ${delivery.status}, ${delivery.attempt_count} attempts)`);
      });
    },
  },
  ...RECOVERY_COMMANDS,
  ...MAINTENANCE_COMMANDS,
};
