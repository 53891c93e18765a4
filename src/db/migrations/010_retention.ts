import type { Knex } from 'knex';

/**
 * Retention: finished deliveries by completion time, deliveries by event (an event is pruned
 * only when none is left) and events by age, so each pruning batch reads only what it deletes;
 * and a lease table so one process at a time runs a maintenance pass.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX deliveries_finished_idx ON deliveries (completed_at)
    WHERE status IN ('succeeded', 'dead_lettered', 'cancelled')`);
  await knex.raw('CREATE INDEX deliveries_event_idx ON deliveries (event_id)');
  await knex.raw('CREATE INDEX events_created_idx ON events (created_at)');
  await knex.schema.createTable('maintenance_leases', (t) => {
    t.text('name').primary();
    t.text('holder').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('last_finished_at', { useTz: true });
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
