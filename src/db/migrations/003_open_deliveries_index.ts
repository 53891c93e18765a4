import type { Knex } from 'knex';

/** Open deliveries by webhook: what the endpoint watchdog looks at, small however long the history. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX deliveries_open_idx ON deliveries (webhook_id)
    WHERE status IN ('pending','in_flight','retrying','waiting_circuit') AND workflow_started_at IS NOT NULL`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
