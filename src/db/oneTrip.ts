// Several statements sent as one simple query: one round trip to Postgres instead of one per
// statement. Postgres runs them as one implicit transaction (all or nothing, locks held to the
// end), each statement with its own snapshot (READ COMMITTED), so a statement after a lock
// sees everything committed before the lock was granted. What it is for: a transaction that
// holds a hot row lock (the gate's webhook row) while the client's process, on a busy
// machine, would take milliseconds to send each next statement.
import type { Knex } from 'knex';
import { escapeLiteral, type QueryResult } from 'pg';

export interface Statement {
  sql: string;
  /** Named bindings (`:name`), as knex.raw takes them. */
  bindings: Record<string, unknown>;
}

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

/** The statement with its values written in: knex numbers the bindings, each `$n` becomes a literal. */
export function inline(db: Knex, statement: Statement): string {
  const native = db.raw(statement.sql, statement.bindings as Knex.ValueDict).toSQL().toNative();
  const values = native.bindings as unknown[];
  return native.sql.replace(/\$(\d+)\b/g, (_, n: string) => literal(values[Number(n) - 1]));
}

/**
 * Runs the statements as one simple query on one pooled connection and returns each one's
 * result. Not inside a knex transaction: the statements are their own transaction.
 */
export async function inOneTrip(db: Knex, statements: Statement[]): Promise<QueryResult[]> {
  const text = statements.map((s) => inline(db, s)).join(';\n');
  const connection = await db.client.acquireConnection();
  try {
    const result: QueryResult | QueryResult[] = await connection.query(text);
    return Array.isArray(result) ? result : [result];
  } finally {
    await db.client.releaseConnection(connection);
  }
}
