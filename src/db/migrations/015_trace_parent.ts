import type { Knex } from 'knex';

/**
 * The W3C traceparent of the publish that created a delivery (docs/tracing.md), written only
 * while tracing is on: its workflow, started later by a grant, joins that trace. Null otherwise.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('deliveries', (t) => {
    t.text('trace_parent');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
