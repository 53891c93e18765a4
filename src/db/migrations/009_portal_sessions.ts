import type { Knex } from 'knex';

/**
 * Portal sessions: short-lived tokens a tenant hands to its own customers, scoped to the
 * tenant and optionally to some of its webhooks. Only the SHA-256 of a token is stored.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('portal_sessions', (t) => {
    t.text('id').primary();
    t.text('tenant_id').notNullable().references('tenants.id');
    t.text('token_hash').notNullable().unique();
    // null: every webhook of the tenant, including ones created later.
    t.specificType('webhook_ids', 'text[]');
    t.boolean('read_only').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true });
    t.index(['tenant_id', 'created_at']);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
