import type { Knex } from 'knex';

/** The whole data model. Forward-only: there is no down migration. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tenants', (t) => {
    t.text('id').primary();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('api_keys', (t) => {
    t.text('id').primary();
    t.text('tenant_id').notNullable().references('tenants.id');
    t.text('name').notNullable().defaultTo('');
    t.text('key_hash').notNullable().unique();
    t.text('prefix').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('revoked_at', { useTz: true });
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('webhooks', (t) => {
    t.text('id').primary();
    t.text('tenant_id').notNullable().references('tenants.id');
    t.text('url').notNullable();
    t.specificType('events', 'text[]').notNullable();
    t.text('name').notNullable();
    t.text('description');
    t.boolean('active').notNullable().defaultTo(true);
    t.text('secret_ciphertext').notNullable();
    t.text('previous_secret_ciphertext');
    t.timestamp('previous_secret_expires_at', { useTz: true });
    t.integer('max_concurrency').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('deleted_at', { useTz: true });
    t.index(['tenant_id', 'created_at']);
  });

  await knex.schema.createTable('events', (t) => {
    t.text('id').primary();
    t.text('tenant_id').notNullable().references('tenants.id');
    t.text('type').notNullable();
    t.jsonb('payload').notNullable();
    // The exact bytes that are signed and sent on every attempt (jsonb reorders keys).
    t.text('body').notNullable();
    t.text('idempotency_key');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['tenant_id', 'idempotency_key']);
    t.index(['tenant_id', 'created_at']);
  });

  await knex.schema.createTable('deliveries', (t) => {
    t.text('id').primary();
    t.text('tenant_id').notNullable().references('tenants.id');
    t.text('webhook_id').notNullable().references('webhooks.id');
    t.text('event_id').notNullable().references('events.id');
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempt_count').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true });
    t.integer('last_status_code');
    t.text('last_error');
    t.timestamp('workflow_started_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true });
    t.index(['webhook_id', 'created_at']);
    t.index(['tenant_id', 'status']);
  });
  await knex.raw(`ALTER TABLE deliveries ADD CONSTRAINT deliveries_status_check CHECK (status IN
    ('pending','in_flight','retrying','waiting_circuit','succeeded','dead_lettered','cancelled'))`);
  // The dispatcher scans only rows whose workflow has not been started yet.
  await knex.raw('CREATE INDEX deliveries_unstarted_idx ON deliveries (created_at) WHERE workflow_started_at IS NULL');

  await knex.schema.createTable('delivery_attempts', (t) => {
    t.bigIncrements('id').primary();
    t.text('delivery_id').notNullable().references('deliveries.id');
    t.integer('attempt_number').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.integer('duration_ms').notNullable();
    t.integer('status_code');
    t.text('error_message');
    t.text('response_body');
    t.text('trigger').notNullable().defaultTo('scheduled');
    t.index(['delivery_id', 'attempt_number']);
  });
  await knex.raw(`ALTER TABLE delivery_attempts ADD CONSTRAINT delivery_attempts_trigger_check
    CHECK (trigger IN ('scheduled','manual','test'))`);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
