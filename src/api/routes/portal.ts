import Router from '@koa/router';
import type { Context } from 'koa';
import { createPortalSession, existingWebhookIds, revokePortalSession, type PortalSessionRow } from '../../db/repositories/portalSessions';
import { isId } from '../../db/ids';
import { NotFoundError, ValidationError } from '../../errors';
import type { ApiDeps } from '../deps';
import { validate } from '../middleware/validate';
import { apiKeyOnly, principalOf } from '../principal';
import { createPortalSessionSchema, type CreatePortalSessionBody } from '../schemas';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Refuses ids that are not live webhooks of the tenant, naming each (400: unknown and other tenants' alike). */
async function checkWebhookIds(deps: ApiDeps, tenantId: string, ids: string[]): Promise<void> {
  const wellFormed = ids.filter((id) => isId('wh', id));
  const existing = wellFormed.length ? await existingWebhookIds(deps.db, tenantId, wellFormed) : new Set<string>();
  const issues = ids.flatMap((id, i) => (existing.has(id) ? [] : [{ field: `body.webhook_ids[${i}]`, message: 'no such webhook' }]));
  if (issues.length > 0) throw new ValidationError('webhook_ids names unknown webhooks', issues);
}

/**
 * The link to the pages: the token rides in the fragment, which browsers never send to a
 * server (nor to its logs). Its base is CONTINUUM_PUBLIC_URL, else this request's own origin.
 */
function portalUrl(deps: ApiDeps, ctx: Context, token: string): string {
  return `${deps.publicUrl ?? `${ctx.protocol}://${ctx.host || 'localhost'}`}/#portal=${token}`;
}

function portalSessionJson(row: PortalSessionRow) {
  return { id: row.id, expires_at: iso(row.expires_at), read_only: row.read_only, webhook_ids: row.webhook_ids, created_at: iso(row.created_at) };
}

/** /session (who am I) and /portal/sessions (links a tenant hands to its own customers). */
export function portalRouter(deps: ApiDeps): Router {
  const router = new Router();

  router.get('/session', (ctx) => {
    const principal = principalOf(ctx);
    ctx.body = {
      kind: principal.kind,
      tenant_id: principal.tenantId,
      read_only: principal.readOnly,
      webhook_ids: principal.webhookIds,
      expires_at: iso(principal.expiresAt),
      portal_session_id: principal.portalSessionId,
    };
  });

  const manage = apiKeyOnly('manage portal sessions');

  router.post('/portal/sessions', manage, validate({ body: createPortalSessionSchema }), async (ctx) => {
    const body = ctx.state.body as CreatePortalSessionBody;
    const tenantId = principalOf(ctx).tenantId;
    if (body.webhook_ids) await checkWebhookIds(deps, tenantId, body.webhook_ids);
    const { token, row } = await createPortalSession(deps.db, { tenantId, webhookIds: body.webhook_ids ?? null, readOnly: body.read_only, ttlMs: body.ttl });
    deps.metrics.portalSessions.inc({ action: 'created' });
    ctx.status = 201;
    ctx.body = { ...portalSessionJson(row), url: portalUrl(deps, ctx, token), token };
  });

  router.delete('/portal/sessions/:portalSessionId', manage, async (ctx) => {
    const revoked = await revokePortalSession(deps.db, principalOf(ctx).tenantId, ctx.params.portalSessionId);
    if (!revoked) throw new NotFoundError('portal session', ctx.params.portalSessionId);
    deps.metrics.portalSessions.inc({ action: 'revoked' });
    ctx.status = 204;
  });

  return router;
}
