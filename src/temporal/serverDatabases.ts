import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDb } from '../db/knex';
import type { ServerConfigInput } from './serverConfig';

// The production Temporal server's two Postgres databases: created, brought to the schema of
// the server's version, and readied for a new start (see src/temporal/server.ts).

const run = promisify(execFile);

export interface ServerDatabases {
  postgres: ServerConfigInput['postgres'];
  databases: ServerConfigInput['databases'];
}

export function serverDatabaseNames(prefix: string): ServerConfigInput['databases'] {
  if (!/^[a-z0-9_]*$/.test(prefix)) throw new Error(`databasePrefix must match [a-z0-9_]*, got ${JSON.stringify(prefix)}`);
  return { main: `${prefix}temporal`, visibility: `${prefix}temporal_visibility` };
}

/** Idempotent: a second call on the same databases only checks they are up to date. */
export async function prepareServerDatabases(postgresUrl: string, prefix: string, sqlTool: string): Promise<ServerDatabases> {
  const databases = serverDatabaseNames(prefix);
  const url = new URL(postgresUrl);
  const postgres = {
    host: url.hostname, port: Number(url.port || 5432),
    user: decodeURIComponent(url.username), password: decodeURIComponent(url.password),
  };
  await createDatabases(postgresUrl, Object.values(databases));
  // The schema tool carries the schema files of its version: no source tree needed.
  await applySchema(sqlTool, postgres, databases.main, 'postgresql/v12/temporal');
  await applySchema(sqlTool, postgres, databases.visibility, 'postgresql/v12/visibility');
  await forgetPreviousMembers(postgresUrl, databases.main);
  return { postgres, databases };
}

/** Drops both databases, closing their connections (after the server has stopped). */
export async function dropServerDatabases(postgresUrl: string, prefix: string): Promise<void> {
  const admin = createDb(postgresUrl, 1);
  try {
    for (const name of Object.values(serverDatabaseNames(prefix))) await admin.raw(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.destroy();
  }
}

async function createDatabases(postgresUrl: string, names: string[]): Promise<void> {
  const admin = createDb(postgresUrl, 1);
  try {
    for (const name of names) {
      const exists = await admin('pg_database').where({ datname: name }).first();
      if (exists) continue;
      try {
        await admin.raw(`CREATE DATABASE "${name}"`);
      } catch (err) {
        // Another run created it meanwhile: duplicate_database, or unique_violation in pg_database.
        if (!['42P04', '23505'].includes((err as { code?: string }).code ?? '')) throw err;
      }
    }
  } finally {
    await admin.destroy();
  }
}

/**
 * A server stopped less than 20 s ago is still listed as a live member; the new one then
 * tries to join it and waits 30-40 s before serving. These databases belong to one server at
 * a time, so whatever is listed is gone.
 */
async function forgetPreviousMembers(postgresUrl: string, database: string): Promise<void> {
  const url = new URL(postgresUrl);
  url.pathname = `/${database}`;
  const db = createDb(url.toString(), 1);
  try {
    await db('cluster_membership').delete();
  } finally {
    await db.destroy();
  }
}

/** Versioning tables, then every versioned step up to the tool's version; both skip what is done. */
async function applySchema(sqlTool: string, pg: ServerConfigInput['postgres'], database: string, schemaName: string): Promise<void> {
  const env = { ...process.env, SQL_PASSWORD: pg.password }; // not on the command line, where ps shows it
  const base = ['--endpoint', pg.host, '--port', String(pg.port), '--user', pg.user, '--database', database, '--plugin', 'postgres12'];
  for (const step of [['setup-schema', '-v', '0.0'], ['update-schema', '--schema-name', schemaName]]) {
    try {
      await run(sqlTool, [...base, ...step], { env });
    } catch (err) {
      const { stdout, stderr } = err as { stdout?: string; stderr?: string };
      throw new Error(`${path.basename(sqlTool)} ${step[0]} on ${database} failed: ${(stderr || stdout || (err as Error).message).trim()}`);
    }
  }
}
