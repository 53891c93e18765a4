import type { Knex } from 'knex';
import { newId } from '../ids';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../../security/apiKeys';
import { ensureTenant } from './tenants';

export interface ApiKeyRecord {
  id: string;
  tenant_id: string;
  name: string;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

/** Stores the hash of `key` (a new random key when omitted) and returns the key once. */
export async function createApiKey(
  db: Knex,
  input: { tenantId: string; name?: string; key?: string },
): Promise<{ key: string; record: ApiKeyRecord }> {
  const key = input.key ?? generateApiKey();
  return db.transaction(async (tx) => {
    await ensureTenant(tx, input.tenantId);
    const [record] = await tx('api_keys')
      .insert({
        id: newId('key'),
        tenant_id: input.tenantId,
        name: input.name ?? '',
        key_hash: hashApiKey(key),
        prefix: apiKeyPrefix(key),
      })
      .returning(['id', 'tenant_id', 'name', 'prefix', 'created_at', 'revoked_at']);
    return { key, record };
  });
}

/** Makes sure `key` exists for `tenantId` (bootstrap key from the environment). */
export async function ensureApiKey(db: Knex, tenantId: string, key: string): Promise<void> {
  const existing = await db('api_keys').where({ key_hash: hashApiKey(key) }).first('tenant_id');
  if (existing && existing.tenant_id !== tenantId) {
    throw new Error('the bootstrap API key already belongs to another tenant');
  }
  if (!existing) await createApiKey(db, { tenantId, name: 'bootstrap', key });
}

/** The tenant a presented key belongs to, or null when unknown or revoked. */
export async function findTenantByApiKey(db: Knex, key: string): Promise<string | null> {
  // Lookup by the hash of the key: no comparison of secret material happens in our code.
  const row = await db('api_keys').where({ key_hash: hashApiKey(key) }).whereNull('revoked_at').first('tenant_id');
  return row?.tenant_id ?? null;
}

export async function listApiKeys(db: Knex, tenantId: string): Promise<ApiKeyRecord[]> {
  return db('api_keys').where({ tenant_id: tenantId }).orderBy('created_at').select('id', 'tenant_id', 'name', 'prefix', 'created_at', 'revoked_at');
}

/** Revokes a key of this tenant; false when there is no such (unrevoked) key. */
export async function revokeApiKey(db: Knex, tenantId: string, id: string): Promise<boolean> {
  const count = await db('api_keys').where({ tenant_id: tenantId, id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
  return count > 0;
}
