import type { Knex } from 'knex';

/**
 * Each attempt is made under one permit (lease). Recording the lease makes a repeated run of
 * the same attempt (its workflow task failed after the POST, so the local activity runs again)
 * return the recorded outcome instead of sending the event a second time.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('delivery_attempts', (t) => {
    t.text('lease_id');
  });
  await knex.raw('CREATE UNIQUE INDEX delivery_attempts_lease_idx ON delivery_attempts (delivery_id, lease_id) WHERE lease_id IS NOT NULL');
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
