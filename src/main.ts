import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './log';
import { startSystem, type Role } from './system';

const ROLES: Record<string, Role[]> = { all: ['api', 'worker'], api: ['api'], worker: ['worker'] };

function banner(lines: string[]): void {
  process.stdout.write(`\n${lines.map((line) => `  ${line}`).join('\n')}\n\n`);
}

/** Entry point: `node dist/src/main.js [all|api|worker]` (default all). */
export async function run(argv = process.argv.slice(2)): Promise<void> {
  const roleName = argv[0] ?? 'all';
  const roles = ROLES[roleName];
  if (!roles) throw new ConfigError(`unknown role "${roleName}": use all, api or worker`);
  const config = loadConfig();
  if (roleName !== 'all' && (!config.databaseUrl || !config.temporalAddress)) {
    throw new ConfigError(`the ${roleName} role needs DATABASE_URL and TEMPORAL_ADDRESS (only "all" starts local ones)`);
  }
  const log = createLogger(config.logLevel);
  Runtime.install({ logger: new DefaultLogger(config.logLevel === 'debug' ? 'INFO' : 'WARN') });
  if (config.allowHttp || config.allowPrivateTargets) {
    log.warn({ allowHttp: config.allowHttp, allowPrivateTargets: config.allowPrivateTargets },
      'development mode: http:// and/or private/loopback webhook targets are allowed; never use this in production');
  }
  const system = await startSystem(config, { roles, log });
  const lines = [`Continuum Webhooks is running (${roleName})`];
  if (system.apiUrl) lines.push(`API:             ${system.apiUrl}/api/v1`);
  lines.push(`Temporal:        ${system.temporalAddress}`);
  if (system.temporalUiUrl) lines.push(`Temporal Web UI: ${system.temporalUiUrl}`);
  if (system.bootstrapApiKey && system.apiUrl) lines.push(`API key (tenant ${config.bootstrapTenant}): ${system.bootstrapApiKey}`);
  banner(lines);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    system.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

if (require.main === module) {
  run().catch((err) => {
    process.stderr.write(`${err instanceof ConfigError ? err.message : `start-up failed: ${(err as Error).stack}`}\n`);
    process.exit(1);
  });
}
