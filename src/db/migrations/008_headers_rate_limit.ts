import type { Knex } from 'knex';

/**
 * Custom headers and a per-webhook rate limit. The headers (names and values) are sealed like
 * the signing secret, since they often carry credentials; their names are kept beside them in
 * the clear so reads can show them masked without the key.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhooks', (t) => {
    t.text('headers_ciphertext');
    t.specificType('header_names', 'text[]').notNullable().defaultTo('{}');
    t.integer('rate_limit_per_s');
    // The send-time side of the rate limit: the next attempt leaves no earlier (takeSendSlot).
    t.timestamp('rate_limit_next_at', { useTz: true });
  });
  await knex.raw('ALTER TABLE webhooks ADD CONSTRAINT webhooks_rate_limit_per_s_range CHECK (rate_limit_per_s BETWEEN 1 AND 1000)');
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
