// Several statements sent as one simple query: one round trip to Postgres instead of one per
// statement. Postgres runs them as one implicit transaction (all or nothing, locks held to the
// end), each statement with its own snapshot (READ COMMITTED), so a statement after a lock
// sees everything committed before the lock was granted. What it is for: a transaction that
// holds a hot row lock (the gate's webhook row) while the client's process, on a busy
// machine, would take milliseconds to send each next statement.
import type { Knex } from 'knex';
import { escapeLiteral, type QueryResult } from 'pg';
import { prepared } from './knex';

export interface Statement {
  /** Its name as a prepared statement (one name, one text); none: its text varies, it is sent with its values written in. */
  name?: string;
  sql: string;
  /** Named (`:name`) or positional (`?`) bindings, as knex.raw takes them. */
  bindings: Record<string, unknown> | unknown[];
}

/** A statement of fixed text, prepared once per connection under its name. */
export interface PreparedStatement extends Statement {
  name: string;
  bindings: Record<string, unknown>;
}

/** Runs a prepared statement alone (in a knex transaction, say): node-pg prepares it once per connection. */
export async function runPrepared(db: Knex, statement: PreparedStatement): Promise<any[]> {
  const { rows } = await db.raw(statement.sql, statement.bindings as Knex.ValueDict).options(prepared(statement.name));
  return rows;
}

/** A knex query as a statement for a trip (unnamed: a builder's text varies with its rows). */
export function fromQuery(query: Knex.QueryBuilder | Knex.Raw): Statement {
  const { sql, bindings } = query.toSQL();
  return { sql, bindings: [...bindings] };
}

/** The names prepared on a connection by PREPARE (kept on the connection object itself). */
const PREPARED = Symbol('prepared in one trip');

/** A value as an SQL literal; the simple query protocol takes no parameters. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`not a finite number: ${value}`);
    return String(value);
  }
  if (value instanceof Date) return escapeLiteral(value.toISOString());
  if (typeof value === 'string') return escapeLiteral(value);
  throw new TypeError(`no literal for a ${typeof value}`);
}

/** knex numbers the bindings: the text with `$n` placeholders, and their values. */
function native(db: Knex, statement: Statement): { sql: string; values: unknown[] } {
  const { sql, bindings } = db.raw(statement.sql, statement.bindings as Knex.ValueDict | readonly Knex.RawBinding[]).toSQL().toNative();
  return { sql, values: bindings as unknown[] };
}

// Not node-pg's own names (prepared by the extended protocol): the two share the session's namespace.
const preparedName = (statement: Statement) => `trip_${statement.name}`;

/**
 * The statement as sent, its values written in as literals (the simple query protocol takes
 * no parameters): an EXECUTE of a named one, else its own text.
 */
function execute(db: Knex, statement: Statement): string {
  const { sql, values } = native(db, statement);
  if (!statement.name) return sql.replace(/\$(\d+)\b/g, (_, n: string) => literal(values[Number(n) - 1]));
  return values.length === 0 ? `EXECUTE ${preparedName(statement)}` : `EXECUTE ${preparedName(statement)}(${values.map(literal).join(', ')})`;
}

/** PREPAREs, once per connection, the statements it has not seen: parsed and planned once, not on every trip. */
async function prepareOn(connection: any, db: Knex, statements: Statement[]): Promise<void> {
  const done: Set<string> = (connection[PREPARED] ??= new Set<string>());
  for (const statement of statements.filter((s) => s.name && !done.has(s.name))) {
    try {
      await connection.query(`PREPARE ${preparedName(statement)} AS ${native(db, statement).sql}`);
    } catch (err) {
      if ((err as { code?: string }).code !== '42P05') throw err; // duplicate_prepared_statement: there already
    }
    done.add(statement.name as string);
  }
}

/**
 * Runs the statements as one simple query on one pooled connection and returns each one's
 * result. Not inside a knex transaction: the statements are their own transaction.
 */
export async function inOneTrip(db: Knex, statements: Statement[]): Promise<QueryResult[]> {
  const connection = await db.client.acquireConnection();
  try {
    await prepareOn(connection, db, statements);
    const result: QueryResult | QueryResult[] = await connection.query(statements.map((s) => execute(db, s)).join(';\n'));
    return Array.isArray(result) ? result : [result];
  } finally {
    await db.client.releaseConnection(connection);
  }
}
