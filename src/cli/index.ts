import path from 'node:path';
import { loadConfig, type Config } from '../config';
import { createDb } from '../db/knex';
import { migrateToLatest } from '../db/migrate';
import { startEmbeddedPostgres } from '../infra/embeddedPostgres';
import { assertPostgresDirFree } from '../infra/preflight';
import { COMMANDS, USAGE, type Command, type CommandContext } from './commands';

/** The command line asks for something the CLI does not do; the message shows the usage. */
export class UsageError extends Error {}

/** Parses `--name value` pairs (and the command's valueless `flags`) after the command words. */
export function parseOptions(args: string[], flags: string[] = []): Record<string, string> {
  const options: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const match = /^--([a-z-]+)$/.exec(args[i]);
    if (match && flags.includes(match[1])) {
      options[match[1]] = 'true';
      continue;
    }
    if (!match || args[i + 1] === undefined) throw new UsageError(`unexpected argument "${args[i]}"\n${USAGE}`);
    options[match[1]] = args[++i];
  }
  return options;
}

/** The command named by the first two words, or by the first alone (`prune`), with the words after it. */
function findCommand(argv: string[]): { command: Command; rest: string[] } {
  const two = argv.slice(0, 2).join(' ');
  if (Object.hasOwn(COMMANDS, two)) return { command: COMMANDS[two], rest: argv.slice(2) };
  if (Object.hasOwn(COMMANDS, argv[0] ?? '')) return { command: COMMANDS[argv[0]], rest: argv.slice(1) };
  throw new UsageError(USAGE);
}

async function withDatabase<T>(config: Config, fn: (ctx: Omit<CommandContext, 'options'>) => Promise<T>): Promise<T> {
  // The embedded database belongs to one process: say which one holds it instead of failing.
  if (!config.databaseUrl) await assertPostgresDirFree(path.resolve(config.dataDir, 'postgres'));
  const local = config.databaseUrl ? null : await startEmbeddedPostgres(config.dataDir);
  const db = createDb(config.databaseUrl ?? (local as { url: string }).url, 2);
  try {
    await migrateToLatest(db);
    return await fn({ db, config, out: (line) => process.stdout.write(`${line}\n`) });
  } finally {
    await db.destroy();
    await local?.stop();
  }
}

/** Operator commands; they use DATABASE_URL (and TEMPORAL_ADDRESS for retry and recover) like the server. */
export async function run(argv = process.argv.slice(2)): Promise<void> {
  const { command, rest } = findCommand(argv);
  const options = parseOptions(rest, command.flags);
  for (const name of command.required) {
    if (!options[name]) throw new UsageError(`--${name} is required\n${USAGE}`);
  }
  if (options.tenant && !/^[A-Za-z0-9_.-]{1,64}$/.test(options.tenant)) throw new UsageError('--tenant: letters, digits, _ . - (max 64)');
  const config = loadConfig();
  await withDatabase(config, (ctx) => command.run({ ...ctx, options }));
}

if (require.main === module) {
  run().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
