import type { Knex } from 'knex';

/**
 * Bulk recovery: one row per `POST /webhooks/{id}/recover`, and the deliveries it matched,
 * fixed when it was asked for (so `matched` is exact and the run walks a set that does not
 * move under it). Each item records its own start and outcome, so the counters on the
 * recovery row are bumped exactly once per delivery however often an activity is retried.
 * Attempts get the trigger `recovery`.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('recoveries', (t) => {
    t.text('id').primary();
    t.text('tenant_id').notNullable().references('tenants.id');
    t.text('webhook_id').notNullable().references('webhooks.id');
    t.text('status').notNullable().defaultTo('running');
    t.timestamp('since', { useTz: true }).notNullable();
    t.timestamp('until', { useTz: true }).notNullable();
    t.specificType('statuses', 'text[]').notNullable();
    t.integer('matched').notNullable().defaultTo(0);
    t.integer('started').notNullable().defaultTo(0);
    t.integer('succeeded').notNullable().defaultTo(0);
    t.integer('failed').notNullable().defaultTo(0);
    t.timestamp('workflow_started_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true });
    t.index(['webhook_id', 'status']);
  });
  await knex.raw(`ALTER TABLE recoveries ADD CONSTRAINT recoveries_status_check CHECK (status IN ('running','completed','cancelled'))`);
  await knex.raw('CREATE INDEX recoveries_unstarted_idx ON recoveries (created_at) WHERE workflow_started_at IS NULL');

  await knex.schema.createTable('recovery_items', (t) => {
    t.text('recovery_id').notNullable().references('recoveries.id').onDelete('CASCADE');
    // A pruned delivery takes its item with it; the run counts one it can't find as failed.
    t.text('delivery_id').notNullable().references('deliveries.id').onDelete('CASCADE');
    t.timestamp('started_at', { useTz: true });
    // The delivery workflow run the recovery follows: a repeated start signals no second time.
    t.text('run_id');
    t.text('outcome');
    t.primary(['recovery_id', 'delivery_id']);
  });
  await knex.raw(`ALTER TABLE recovery_items ADD CONSTRAINT recovery_items_outcome_check CHECK (outcome IN ('succeeded','failed'))`);

  await knex.raw('ALTER TABLE delivery_attempts DROP CONSTRAINT delivery_attempts_trigger_check');
  await knex.raw(`ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_trigger_check
    CHECK (trigger IN ('scheduled','manual','test','recovery'))`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
