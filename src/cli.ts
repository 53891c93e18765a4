import { ConfigError, loadConfig } from './config';
import { createDb } from './db/knex';
import { migrateToLatest } from './db/migrate';
import { createApiKey } from './db/repositories/apiKeys';
import { startEmbeddedPostgres } from './infra/embeddedPostgres';

const USAGE = `usage: npm run cli -- api-keys create --tenant <id> [--name <name>]`;

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : undefined;
}

/** Operator commands. Uses DATABASE_URL like the server (or the embedded dev database). */
export async function run(argv = process.argv.slice(2)): Promise<void> {
  const [resource, action, ...rest] = argv;
  if (resource !== 'api-keys' || action !== 'create') throw new ConfigError(USAGE);
  const tenantId = option(rest, 'tenant');
  if (!tenantId || !/^[A-Za-z0-9_.-]{1,64}$/.test(tenantId)) throw new ConfigError(`--tenant <id> is required (letters, digits, _ . -)\n${USAGE}`);
  const config = loadConfig();
  const local = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir);
  const db = createDb(config.databaseUrl ?? (local as { url: string }).url, 1);
  try {
    await migrateToLatest(db);
    const { key, record } = await createApiKey(db, { tenantId, name: option(rest, 'name') });
    process.stdout.write(`Created API key ${record.id} for tenant ${tenantId}. It is shown once; store it now:\n${key}\n`);
  } finally {
    await db.destroy();
    await local?.stop();
  }
}

if (require.main === module) {
  run().catch((err) => {
    process.stderr.write(`${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
    process.exit(1);
  });
}
