import type { Knex } from 'knex';
import { newId } from '../ids';
import { generatePortalToken, hashPortalToken } from '../../security/portalTokens';

export interface PortalSessionRow {
  id: string;
  tenant_id: string;
  webhook_ids: string[] | null;
  read_only: boolean;
  created_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = ['id', 'tenant_id', 'webhook_ids', 'read_only', 'created_at', 'expires_at', 'revoked_at'];

/** Stores a new session (the token's hash only) and returns the token once. */
export async function createPortalSession(
  db: Knex,
  input: { tenantId: string; webhookIds: string[] | null; readOnly: boolean; ttlMs: number },
): Promise<{ token: string; row: PortalSessionRow }> {
  const token = generatePortalToken();
  const [row] = await db('portal_sessions')
    .insert({
      id: newId('ps'),
      tenant_id: input.tenantId,
      token_hash: hashPortalToken(token),
      webhook_ids: input.webhookIds,
      read_only: input.readOnly,
      // The database's clock, like the expiry check below.
      expires_at: db.raw(`now() + make_interval(secs => ?)`, [input.ttlMs / 1000]),
    })
    .returning(COLUMNS);
  return { token, row };
}

/** The session a presented token belongs to, live or not; `expired` by the database's clock. */
export async function findPortalSession(db: Knex, token: string): Promise<(PortalSessionRow & { expired: boolean }) | undefined> {
  return db('portal_sessions')
    .where({ token_hash: hashPortalToken(token) })
    .first([...COLUMNS, db.raw('expires_at <= now() AS expired')]);
}

/** Revokes a session of this tenant; false when there is no such (unrevoked) session. */
export async function revokePortalSession(db: Knex, tenantId: string, id: string): Promise<boolean> {
  const count = await db('portal_sessions').where({ tenant_id: tenantId, id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
  return count > 0;
}

/** Which of these ids are live webhooks of the tenant. */
export async function existingWebhookIds(db: Knex, tenantId: string, ids: string[]): Promise<Set<string>> {
  const rows: Array<{ id: string }> = await db('webhooks').where({ tenant_id: tenantId }).whereIn('id', ids).whereNull('deleted_at').select('id');
  return new Set(rows.map((row) => row.id));
}
