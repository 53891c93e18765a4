import type { Knex } from 'knex';

/**
 * A webhook's payload filter (docs/delivery.md, "Filters"): MongoDB-style conditions on the event body,
 * checked by the API before it is stored. `json`, not `jsonb`: the conditions keep the order
 * the tenant wrote them in, which is the order the filter test reports the first failing one.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhooks', (t) => {
    t.json('filter');
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
