import type { Knex } from 'knex';

/**
 * The delivery queue's order on the row itself (docs/permits.md): `priority` 1 for the events
 * served first (quota.warning, quota.exceeded, fixed when the row is stored), 0 otherwise. The
 * claim then reads a webhook's due rows in index order and stops at its room, instead of
 * joining every waiting row to its event and sorting them all on every claim.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('deliveries', (t) => {
    t.smallint('priority').notNullable().defaultTo(0);
  });
  await knex.raw(`UPDATE deliveries AS d SET priority = 1 FROM events AS e
    WHERE e.id = d.event_id AND e.type IN ('quota.warning', 'quota.exceeded') AND d.status NOT IN ('succeeded', 'dead_lettered', 'cancelled')`);
  await knex.raw(`CREATE INDEX deliveries_queue_order_idx ON deliveries (webhook_id, priority DESC, permit_wanted_at, id)
    WHERE permit_wanted_at IS NOT NULL`);
  await knex.raw('DROP INDEX IF EXISTS deliveries_permit_queue_idx');
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
