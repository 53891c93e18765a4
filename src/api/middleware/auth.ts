import type { Context, Next } from 'koa';
import type { Knex } from 'knex';
import { findTenantByApiKey } from '../../db/repositories/apiKeys';
import { findPortalSession, type PortalSessionRow } from '../../db/repositories/portalSessions';
import { BadRequestError, UnauthorizedError } from '../../errors';
import type { Metrics } from '../../metrics';
import { PORTAL_TOKEN_PREFIX } from '../../security/portalTokens';
import { apiKeyPrincipal, portalPrincipal, type Principal } from '../principal';

async function portalTokenPrincipal(db: Knex, metrics: Metrics, token: string): Promise<Principal> {
  const session = await findPortalSession(db, token);
  const refused = !session ? 'invalid' : session.revoked_at ? 'revoked' : session.expired ? 'expired' : null;
  if (refused) {
    metrics.portalTokensRefused.inc({ reason: refused });
    throw new UnauthorizedError(refused === 'invalid' ? 'invalid portal token' : `this portal session has ${refused === 'revoked' ? 'been revoked' : 'expired'}`);
  }
  return portalPrincipal(session as PortalSessionRow);
}

/**
 * `Authorization: Bearer <API key or portal token>` → ctx.state.principal (and
 * ctx.state.tenantId). A portal token (cpt_…) is accepted wherever a key is, within its scope.
 */
export function authenticate(db: Knex, metrics: Metrics) {
  return async (ctx: Context, next: Next): Promise<void> => {
    // Node keeps the first of repeated Authorization headers; proxies and other servers may
    // take the last, so a request carrying two names no one credential: refused before any lookup.
    if ((ctx.req.headersDistinct.authorization?.length ?? 0) > 1) {
      throw new BadRequestError('send one Authorization header, not several');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
    if (!match) throw new UnauthorizedError('missing API key: send Authorization: Bearer <key>');
    const credential = match[1];
    let principal: Principal;
    if (credential.startsWith(PORTAL_TOKEN_PREFIX)) {
      principal = await portalTokenPrincipal(db, metrics, credential);
    } else {
      const tenantId = await findTenantByApiKey(db, credential);
      if (!tenantId) throw new UnauthorizedError('invalid or revoked API key');
      principal = apiKeyPrincipal(tenantId);
    }
    ctx.state.principal = principal;
    ctx.state.tenantId = principal.tenantId;
    await next();
  };
}
