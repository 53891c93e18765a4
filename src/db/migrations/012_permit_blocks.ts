import type { Knex } from 'knex';

/**
 * A block of permits an endpoint workflow lent to one worker process (docs/permits.md): while
 * `permit_block_id` names it and `permit_block_until` is ahead, that worker claims and starts
 * the webhook's waiting rows itself, and a publish tells it by NOTIFY instead of signalling the
 * endpoint. Written by the endpoint's grants (lend), its circuit bookkeeping (revoke when the
 * circuit opens) and the block's own return.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('webhooks', (t) => {
    t.text('permit_block_id');
    t.timestamp('permit_block_until', { useTz: true });
  });
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
