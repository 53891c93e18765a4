import type { Context, Next } from 'koa';
import type { Knex } from 'knex';
import { findTenantByApiKey } from '../../db/repositories/apiKeys';
import { UnauthorizedError } from '../../errors';

/** `Authorization: Bearer <key>` → ctx.state.tenantId. */
export function requireApiKey(db: Knex) {
  return async (ctx: Context, next: Next): Promise<void> => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'));
    if (!match) throw new UnauthorizedError('missing API key: send Authorization: Bearer <key>');
    const tenantId = await findTenantByApiKey(db, match[1]);
    if (!tenantId) throw new UnauthorizedError('invalid or revoked API key');
    ctx.state.tenantId = tenantId;
    await next();
  };
}
