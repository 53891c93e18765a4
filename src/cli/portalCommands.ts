import type { Knex } from 'knex';
import { createPortalSession, existingWebhookIds, revokePortalSession } from '../db/repositories/portalSessions';
import { createPortalSessionSchema } from '../api/schemas';
import { NotFoundError, ValidationError } from '../errors';
import type { Config } from '../config';

interface PortalCommandContext {
  db: Knex;
  config: Config;
  options: Record<string, string>;
  out: (line: string) => void;
}

export const PORTAL_USAGE = `  portal-sessions create --tenant <id> [--webhooks <wh_id,…>] [--read-only true] [--ttl 1h]
                                                      prints the link (with its token) alone on its last line
  portal-sessions revoke --tenant <id> --id <ps_id>`;

const OPTION_OF: Record<string, string> = { webhook_ids: 'webhooks', read_only: 'read-only', ttl: 'ttl' };

/** The options as the API's body, checked by the API's own schema (same bounds, same defaults). */
function parseSessionOptions(options: Record<string, string>) {
  const body = {
    webhook_ids: options.webhooks?.split(',').map((id) => id.trim()).filter(Boolean),
    read_only: options['read-only'] === undefined ? undefined : options['read-only'] === 'true',
    ttl: options.ttl,
  };
  const parsed = createPortalSessionSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(parsed.error.issues.map((i) => `--${OPTION_OF[String(i.path[0])] ?? 'options'} ${i.message}`).join('\n'));
  return parsed.data;
}

export const PORTAL_COMMANDS = {
  'portal-sessions create': {
    required: ['tenant'],
    async run({ db, config, options, out }: PortalCommandContext) {
      const body = parseSessionOptions(options);
      const existing = body.webhook_ids ? await existingWebhookIds(db, options.tenant, body.webhook_ids) : null;
      const missing = body.webhook_ids?.find((id) => !existing?.has(id));
      if (missing) throw new NotFoundError(`webhook of tenant ${options.tenant}`, missing);
      const { token, row } = await createPortalSession(db, { tenantId: options.tenant, webhookIds: body.webhook_ids ?? null, readOnly: body.read_only, ttlMs: body.ttl });
      const base = config.publicUrl ?? `http://localhost:${config.port}`;
      out(`Created portal session ${row.id} (${row.read_only ? 'read-only' : 'read-write'}, ${row.webhook_ids ? row.webhook_ids.join(',') : 'every webhook'}), expires ${row.expires_at.toISOString()}. The link is shown once:`);
      out(`${base}/#portal=${token}`);
    },
  },
  'portal-sessions revoke': {
    required: ['tenant', 'id'],
    async run({ db, options, out }: PortalCommandContext) {
      if (!(await revokePortalSession(db, options.tenant, options.id))) throw new NotFoundError(`portal session of tenant ${options.tenant}`, options.id);
      out(`Revoked ${options.id}`);
    },
  },
};
