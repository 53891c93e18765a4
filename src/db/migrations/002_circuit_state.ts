import type { Knex } from 'knex';

/** The endpoint workflow's circuit, mirrored for health and metrics without querying every workflow. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhooks', (t) => {
    t.text('circuit_state').notNullable().defaultTo('closed');
    t.timestamp('circuit_opened_at', { useTz: true });
  });
  await knex.raw(`ALTER TABLE webhooks ADD CONSTRAINT webhooks_circuit_state_check CHECK (circuit_state IN ('closed','open','half_open'))`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
