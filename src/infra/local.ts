import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config, StartupError } from '../config';
import { generateApiKey } from '../security/apiKeys';
import { startDevServer } from '../temporal/devServer';
import { matchNamespaceRetention } from '../temporal/namespaceRetention';
import { loadOrCreateDevSecretKey } from './devSecretKey';
import { startEmbeddedPostgres } from './embeddedPostgres';
import type { DependencyName } from './dependencyMonitor';
import { assertPortFree, assertPostgresDirFree } from './preflight';
import { RunRecord } from './runRecord';
import { Supervisor } from './supervisor';

export interface Infrastructure {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | null;
  secretKey: Buffer;
  bootstrapApiKey: string | null;
  /** True when the key was generated for the dev setup, so it may be shown; never for one from the environment. */
  bootstrapApiKeyGenerated: boolean;
  stop(): Promise<void>;
}

/** The Web UI listens this far above the dev server's port (7233 → 8233). */
const DEV_UI_PORT_OFFSET = 1000;

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
 * keys kept in the data directory. Production config always sets all three. The servers
 * started here are supervised: one that exits is started again on the same data and port;
 * one that can't be brought back is reported to `onLost`, which should end the process;
 * `onExited` hears of each exit at once, before the restart.
 */
export async function provideInfrastructure(
  config: Config, logger: Logger, onLost: (err: StartupError) => void, onExited: (dependency: DependencyName, reason: string) => void,
): Promise<Infrastructure> {
  const log = (line: string) => logger.info(line);
  const startsServers = !config.databaseUrl || !config.temporalAddress;
  // Before anything starts: stop what a crashed earlier run left, refuse what isn't ours.
  const record = startsServers ? await RunRecord.claim(config.dataDir, log) : null;
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch(() => {});
    await record?.release();
  };
  try {
    if (startsServers) await preflight(config);
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      log(`starting embedded Postgres (data in ${path.resolve(config.dataDir, 'postgres')})`);
      // The first start picks a free port; restarts keep it, so clients reconnect to the same URL.
      const kept: { port?: number } = {};
      const pg = await Supervisor.start({
        name: 'embedded Postgres', log: logger, onGiveUp: onLost, backoffMs: config.restartBackoffMs,
        onExited: (reason) => onExited('database', reason),
        start: () => startEmbeddedPostgres(config.dataDir, log, { port: kept.port }),
        onRestarted: async (child) => record?.add('postgres', child.pid),
      });
      stops.push(() => pg.stop());
      kept.port = pg.current.port;
      await record?.add('postgres', pg.current.pid);
      databaseUrl = pg.current.url;
    }
    let temporalAddress = config.temporalAddress;
    let temporalUiUrl: string | null = null;
    if (!temporalAddress) {
      log('starting the Temporal dev server');
      // Its state is in the data directory, so open workflows survive a restart.
      const server = await Supervisor.start({
        name: 'the Temporal dev server', log: logger, onGiveUp: onLost, backoffMs: config.restartBackoffMs,
        onExited: (reason) => onExited('temporal', reason),
        start: () => startDevServer({
          port: config.devTemporalPort,
          uiPort: config.devTemporalPort + DEV_UI_PORT_OFFSET,
          namespace: config.temporalNamespace,
          dbFile: path.resolve(config.dataDir, 'temporal.db'),
          log,
        }),
        onRestarted: async (child) => record?.add('temporal', child.pid),
      });
      stops.push(() => server.stop());
      await record?.add('temporal', server.current.pid);
      temporalAddress = server.current.address;
      temporalUiUrl = server.current.uiUrl;
      await matchNamespaceRetention(temporalAddress, config.temporalNamespace, config.retention.retentionMs);
    }
    const secretKey = config.secretKey ?? (await loadOrCreateDevSecretKey(config.dataDir));
    const devKey = !config.production && !config.databaseUrl && !config.bootstrapApiKey;
    const bootstrapApiKey = config.bootstrapApiKey ?? (devKey ? await loadOrCreateDevApiKey(config.dataDir) : null);
    return { databaseUrl, temporalAddress, temporalUiUrl, secretKey, bootstrapApiKey, bootstrapApiKeyGenerated: devKey, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function preflight(config: Config): Promise<void> {
  if (!config.databaseUrl) await assertPostgresDirFree(path.resolve(config.dataDir, 'postgres'));
  if (config.temporalAddress) return;
  const hint = 'stop it, set TEMPORAL_ADDRESS to use a server you run, or CONTINUUM_DEV_TEMPORAL_PORT to start ours on another port';
  await assertPortFree(config.devTemporalPort, '127.0.0.1', 'Temporal dev server', hint);
  await assertPortFree(config.devTemporalPort + DEV_UI_PORT_OFFSET, '127.0.0.1', 'Temporal Web UI', hint);
}
