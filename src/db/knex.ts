import knex, { type Knex } from 'knex';
import type { Logger } from 'pino';

export function createDb(connectionString: string, poolMax = 10, logger?: Logger): Knex {
  const log = (level: 'warn' | 'error' | 'debug') => (message: unknown) => logger?.[level]({ knex: String(message) }, 'database');
  return knex({
    log: { warn: log('warn'), error: log('error'), debug: log('debug'), deprecate: log('warn') },
    client: 'pg',
    connection: { connectionString },
    pool: { min: 0, max: poolMax },
    // Fail fast when Postgres is down, so the API can answer 503 instead of hanging.
    acquireConnectionTimeout: 5000,
  });
}

const DATABASE_AWAY = new RegExp([
  'Connection terminated', 'Connection ended unexpectedly', 'connect ECONNREFUSED', 'Client has encountered a connection error',
  // Postgres itself, while it restarts
  'the database system is (starting up|shutting down|not yet accepting connections|in recovery mode)',
  'terminating connection due to administrator command',
].join('|'));

/** True for errors that mean "the database can't be reached", as opposed to a bad query. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { name?: string; code?: string; message?: string };
  if (e?.name === 'KnexTimeoutError') return true;
  const codes = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '53300'];
  if (e?.code && codes.includes(e.code)) return true;
  return DATABASE_AWAY.test(e?.message ?? '');
}

/**
 * The query options of a statement run on every delivery: a named prepared statement, parsed
 * and planned once per connection instead of on every call (the gate's CTEs took longer to
 * plan than to run). One name, one text: a name must never carry two different statements.
 */
export const prepared = (name: string) => ({ name });
