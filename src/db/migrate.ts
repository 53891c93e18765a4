import type { Knex } from 'knex';
import * as initial from './migrations/001_initial';
import * as circuitState from './migrations/002_circuit_state';
import * as openDeliveriesIndex from './migrations/003_open_deliveries_index';
import * as attemptLease from './migrations/004_attempt_lease';
import * as unstartedByWebhook from './migrations/005_unstarted_by_webhook';
import * as recoveries from './migrations/006_recoveries';
import * as autoDisable from './migrations/007_auto_disable';
import * as headersRateLimit from './migrations/008_headers_rate_limit';
import * as portalSessions from './migrations/009_portal_sessions';
import * as retention from './migrations/010_retention';
import * as permitQueue from './migrations/011_permit_queue';
import * as permitBlocks from './migrations/012_permit_blocks';
import * as deliveryPolicy from './migrations/013_delivery_policy';
import * as webhookFilters from './migrations/014_webhook_filters';
import * as traceParent from './migrations/015_trace_parent';
import * as gateLeases from './migrations/016_gate_leases';
import * as queuePriority from './migrations/017_queue_priority';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

// Listed in code rather than globbed from disk, so the compiled build and the tests
// run exactly the same numbered, forward-only sequence.
const migrations: Record<string, Migration> = {
  '001_initial': initial,
  '002_circuit_state': circuitState,
  '003_open_deliveries_index': openDeliveriesIndex,
  '004_attempt_lease': attemptLease,
  '005_unstarted_by_webhook': unstartedByWebhook,
  '006_recoveries': recoveries,
  '007_auto_disable': autoDisable,
  '008_headers_rate_limit': headersRateLimit,
  '009_portal_sessions': portalSessions,
  '010_retention': retention,
  '011_permit_queue': permitQueue,
  '012_permit_blocks': permitBlocks,
  '013_delivery_policy': deliveryPolicy,
  '014_webhook_filters': webhookFilters,
  '015_trace_parent': traceParent,
  '016_gate_leases': gateLeases,
  '017_queue_priority': queuePriority,
};

const source: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name],
};

export async function migrateToLatest(db: Knex): Promise<void> {
  await db.migrate.latest({ migrationSource: source });
}

/** The migrations this database has run, oldest first. */
export async function appliedMigrations(db: Knex): Promise<string[]> {
  const [completed] = await db.migrate.list({ migrationSource: source });
  return (completed as Array<{ name: string }>).map((migration) => migration.name);
}
