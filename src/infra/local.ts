import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config';
import { generateApiKey } from '../security/apiKeys';
import { startDevServer } from '../temporal/devServer';
import { loadOrCreateDevSecretKey } from './devSecretKey';
import { startEmbeddedPostgres } from './embeddedPostgres';

export interface Infrastructure {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | null;
  secretKey: Buffer;
  bootstrapApiKey: string | null;
  stop(): Promise<void>;
}

const DEV_TEMPORAL_PORT = 7233;
const DEV_TEMPORAL_UI_PORT = 8233;

async function loadOrCreateDevApiKey(dataDir: string): Promise<string> {
  const file = path.resolve(dataDir, 'api-key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const key = generateApiKey();
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${key}\n`, { mode: 0o600 });
    return key;
  }
}

/**
 * What the configuration leaves unset is started locally: embedded Postgres without
 * DATABASE_URL, a Temporal dev server (Web UI on 8233) without TEMPORAL_ADDRESS, and dev
 * keys kept in the data directory. Production config always sets all three.
 */
export async function provideInfrastructure(config: Config, log: (line: string) => void): Promise<Infrastructure> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => {});
  };
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      log(`starting embedded Postgres (data in ${path.resolve(config.dataDir, 'postgres')})`);
      const pg = await startEmbeddedPostgres(config.dataDir, log);
      stops.push(pg.stop);
      databaseUrl = pg.url;
    }
    let temporalAddress = config.temporalAddress;
    let temporalUiUrl: string | null = null;
    if (!temporalAddress) {
      log('starting the Temporal dev server');
      await mkdir(config.dataDir, { recursive: true });
      const server = await startDevServer({
        port: DEV_TEMPORAL_PORT,
        uiPort: DEV_TEMPORAL_UI_PORT,
        namespace: config.temporalNamespace,
        dbFile: path.resolve(config.dataDir, 'temporal.db'),
        log,
      });
      stops.push(server.stop);
      temporalAddress = server.address;
      temporalUiUrl = server.uiUrl;
    }
    const secretKey = config.secretKey ?? (await loadOrCreateDevSecretKey(config.dataDir));
    const devKey = !config.production && !config.databaseUrl;
    const bootstrapApiKey = config.bootstrapApiKey ?? (devKey ? await loadOrCreateDevApiKey(config.dataDir) : null);
    return { databaseUrl, temporalAddress, temporalUiUrl, secretKey, bootstrapApiKey, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

