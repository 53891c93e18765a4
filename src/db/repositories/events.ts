import type { Knex } from 'knex';
import type { EventRow } from '../types';

export type NewEvent = Omit<EventRow, 'created_at'> & { created_at: Date };

/** Inserts the event; when its idempotency key was used before, returns null and inserts nothing. */
export async function insertEvent(db: Knex, event: NewEvent): Promise<EventRow | null> {
  const rows = await db('events')
    .insert(event)
    .onConflict(db.raw('(tenant_id, idempotency_key)'))
    .ignore()
    .returning('*');
  return rows[0] ?? null;
}

export async function findEvent(db: Knex, tenantId: string, id: string): Promise<EventRow | undefined> {
  return db('events').where({ tenant_id: tenantId, id }).first();
}

export async function findEventByIdempotencyKey(db: Knex, tenantId: string, key: string): Promise<EventRow | undefined> {
  return db('events').where({ tenant_id: tenantId, idempotency_key: key }).first();
}
