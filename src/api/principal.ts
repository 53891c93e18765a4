import type { Context } from 'koa';
import type { PortalSessionRow } from '../db/repositories/portalSessions';
import { ForbiddenError } from '../errors';

/** Who is calling: an API key (the whole tenant) or a portal token (its scope). */
export interface Principal {
  kind: 'api_key' | 'portal';
  tenantId: string;
  readOnly: boolean;
  /** The webhooks in scope; null: every webhook of the tenant. */
  webhookIds: string[] | null;
  expiresAt: Date | null;
  portalSessionId: string | null;
}

export function apiKeyPrincipal(tenantId: string): Principal {
  return { kind: 'api_key', tenantId, readOnly: false, webhookIds: null, expiresAt: null, portalSessionId: null };
}

export function portalPrincipal(session: PortalSessionRow): Principal {
  return {
    kind: 'portal',
    tenantId: session.tenant_id,
    readOnly: session.read_only,
    webhookIds: session.webhook_ids,
    expiresAt: session.expires_at,
    portalSessionId: session.id,
  };
}

export function principalOf(ctx: Context): Principal {
  return ctx.state.principal as Principal;
}

/** Whether this webhook is within the caller's scope (outside it, it does not exist: 404). */
export function inScope(principal: Principal, webhookId: string): boolean {
  return principal.webhookIds === null || principal.webhookIds.includes(webhookId);
}

/** Route middleware: only an API key may do this (publish, manage portal sessions). */
export function apiKeyOnly(action: string) {
  return async (ctx: Context, next: () => Promise<unknown>): Promise<void> => {
    if (principalOf(ctx).kind !== 'api_key') throw new ForbiddenError('forbidden', `a portal token can't ${action}: use an API key`);
    await next();
  };
}

/** Route middleware: a token scoped to some webhooks can't add one (it would fall outside its own scope). */
export async function wholeTenantOnly(ctx: Context, next: () => Promise<unknown>): Promise<void> {
  if (principalOf(ctx).webhookIds !== null) throw new ForbiddenError('forbidden', 'a portal token scoped to some webhooks can\'t create webhooks');
  await next();
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** A read-only token changes nothing: any other method answers 403 before the request is read. */
export async function refuseWritesWhenReadOnly(ctx: Context, next: () => Promise<unknown>): Promise<void> {
  if (principalOf(ctx).readOnly && !READ_METHODS.has(ctx.method)) {
    throw new ForbiddenError('read_only', 'this portal session is read-only');
  }
  await next();
}
