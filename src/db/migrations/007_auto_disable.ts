import type { Knex } from 'knex';

/**
 * Auto-disable: why and when a webhook was disabled (shown in its API shape), and when its
 * circuit's current open period began (circuit_opened_at moves on each failed probe; this does
 * not until the circuit closes). The partial index serves the periodic auto-disable check.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhooks', (t) => {
    t.text('disabled_reason');
    t.timestamp('disabled_at', { useTz: true });
    t.timestamp('circuit_open_since', { useTz: true });
  });
  // Circuits open at upgrade time: their period is taken to begin at their last opening.
  await knex.raw(`UPDATE webhooks SET circuit_open_since = COALESCE(circuit_opened_at, now()) WHERE circuit_state <> 'closed'`);
  await knex.raw(`CREATE INDEX webhooks_circuit_open_since_idx ON webhooks (circuit_open_since)
    WHERE circuit_open_since IS NOT NULL AND active AND deleted_at IS NULL`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
