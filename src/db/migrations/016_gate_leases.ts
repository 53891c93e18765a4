import type { Knex } from 'knex';

/**
 * The gate in Postgres (docs/permits.md): an attempt in flight is a row of `gate_leases`, the
 * breaker's counter and the rate limit's token bucket live in the webhook's row, and an attempt
 * is recorded once per delivery and attempt number. Replaces the previous release's permit
 * blocks and grant batches, whose columns go. Deliveries that release's workflows held open
 * are listed in `release_handover`, for this release's workflows to take over (src/gate/handover.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('gate_leases', (t) => {
    t.text('id').primary();
    t.text('webhook_id').notNullable();
    t.text('delivery_id').notNullable();
    t.boolean('probe').notNullable().defaultTo(false);
    // Fixed when its attempt begins, so a re-run of that attempt has the same number.
    t.integer('attempt_number');
    // When the row had joined the queue: a lease handed back puts it there again in its place.
    t.timestamp('wanted_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['webhook_id', 'expires_at']);
    t.index(['delivery_id']);
    t.index(['expires_at']);
  });
  await knex.schema.alterTable('webhooks', (t) => {
    t.integer('circuit_failures').notNullable().defaultTo(0);
    t.double('rate_tokens');
    t.timestamp('rate_refilled_at', { useTz: true });
    t.dropColumn('permit_backlog');
    t.dropColumn('permit_block_id');
    t.dropColumn('permit_block_until');
  });
  await knex.raw('CREATE UNIQUE INDEX delivery_attempts_number_idx ON delivery_attempts (delivery_id, attempt_number)');
  await knex.schema.createTable('release_handover', (t) => {
    t.text('delivery_id').primary();
  });
  // Open deliveries whose workflow the previous release started; those it had claimed and not
  // started go back to the queue.
  await knex.raw(`INSERT INTO release_handover (delivery_id) SELECT id FROM deliveries
    WHERE workflow_started_at IS NOT NULL AND status NOT IN ('succeeded','dead_lettered','cancelled')`);
  await knex.raw(`UPDATE deliveries SET permit_wanted_at = coalesce(claimed_at, created_at)
    WHERE workflow_started_at IS NULL AND permit_wanted_at IS NULL AND status NOT IN ('succeeded','dead_lettered','cancelled')`);
  await knex.raw('DROP INDEX IF EXISTS deliveries_claim_batch_idx');
  await knex.raw('DROP INDEX IF EXISTS deliveries_claims_pending_idx');
  await knex.schema.alterTable('deliveries', (t) => {
    t.dropColumn('claim_batch');
    t.dropColumn('claimed_at');
    t.dropColumn('granted_at');
    t.dropColumn('lease_id');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
