import type { Knex } from 'knex';

export async function ensureTenant(db: Knex, tenantId: string): Promise<void> {
  await db('tenants').insert({ id: tenantId }).onConflict('id').ignore();
}
