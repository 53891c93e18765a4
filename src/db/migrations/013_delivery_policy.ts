import type { Knex } from 'knex';

/**
 * A webhook's delivery policy (docs/delivery.md, "Delivery policy"): its ordering ('none' or 'fifo') and
 * its own retry schedule (milliseconds; null: the installation's). A delivery keeps what
 * applied when it was created: its schedule, its line (ordering key, and its place in the
 * line: `ordering_seq`, taken from one sequence under a lock per webhook, so places follow the
 * order in which publishes committed), and when it may first be sent (`deliver_at`).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhooks', (t) => {
    t.text('ordering').notNullable().defaultTo('none');
    t.jsonb('retry_schedule_ms');
  });
  await knex.raw(`ALTER TABLE webhooks ADD CONSTRAINT webhooks_ordering_check CHECK (ordering IN ('none', 'fifo'))`);
  await knex.raw('CREATE SEQUENCE delivery_ordering_seq');
  await knex.schema.alterTable('deliveries', (t) => {
    t.text('ordering_key');
    t.bigInteger('ordering_seq');
    t.timestamp('deliver_at', { useTz: true });
    t.jsonb('retry_schedule_ms');
  });
  // The claim's question for each waiting row of a line: is a delivery ahead still open?
  await knex.raw(`CREATE INDEX deliveries_open_lines ON deliveries (webhook_id, (coalesce(ordering_key, '')), ordering_seq)
    WHERE ordering_seq IS NOT NULL AND status NOT IN ('succeeded', 'dead_lettered', 'cancelled')`);
  // The sweep's question: which scheduled rows come due soon?
  await knex.raw('CREATE INDEX deliveries_scheduled ON deliveries (deliver_at) WHERE deliver_at IS NOT NULL AND permit_wanted_at IS NOT NULL');
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
