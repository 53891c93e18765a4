import type { Knex } from 'knex';

/**
 * Postgres is the queue of deliveries waiting for a permit: a new delivery, and a started one
 * whose next attempt is due, wait as a row with `permit_wanted_at` set, until the endpoint
 * workflow's grant claims it (`claim_batch`, `claimed_at`, the grant's lease in `lease_id`)
 * and has started or told its workflow (`granted_at`). Replaces the
 * index of unstarted rows, which the queue's index covers. (webhooks.rate_limit_next_at is no
 * longer written; it stays for workers of the previous release during a rolling upgrade.)
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('deliveries', (t) => {
    t.timestamp('permit_wanted_at', { useTz: true });
    t.text('claim_batch');
    t.text('lease_id');
    t.timestamp('claimed_at', { useTz: true });
    t.timestamp('granted_at', { useTz: true });
  });
  await knex.raw(`UPDATE deliveries SET permit_wanted_at = created_at
                   WHERE workflow_started_at IS NULL AND status NOT IN ('succeeded','dead_lettered','cancelled')`);
  await knex.raw('CREATE INDEX deliveries_permit_queue_idx ON deliveries (webhook_id, permit_wanted_at) WHERE permit_wanted_at IS NOT NULL');
  await knex.raw('CREATE INDEX deliveries_claim_batch_idx ON deliveries (claim_batch) WHERE claim_batch IS NOT NULL');
  await knex.raw('CREATE INDEX deliveries_claims_pending_idx ON deliveries (claimed_at) WHERE claim_batch IS NOT NULL AND granted_at IS NULL');
  await knex.raw('DROP INDEX IF EXISTS deliveries_unstarted_webhook_idx');
  await knex.schema.alterTable('webhooks', (t) => {
    // The endpoint's last claim filled its room: it claims again as permits come back, so a
    // publish need not wake it (see EndpointWaker). Written by grant batches only.
    t.boolean('permit_backlog').notNullable().defaultTo(false);
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
