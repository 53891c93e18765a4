import type { Knex } from 'knex';

/**
 * Unstarted deliveries by webhook, oldest first: the dispatcher starts each endpoint's backlog
 * a batch at a time from here, however many rows wait behind it.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX deliveries_unstarted_webhook_idx ON deliveries (webhook_id, created_at) WHERE workflow_started_at IS NULL');
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
