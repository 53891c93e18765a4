import type { Knex } from 'knex';

/**
 * Takes the named lease for `ttlMs` when it is free, expired or already ours. A row lease
 * rather than an advisory lock: knex pools connections, and a session lock would belong to
 * whichever connection took it. A holder that dies loses the lease when it expires.
 */
export async function tryTakeLease(db: Knex, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const { rows } = await db.raw(
    `INSERT INTO maintenance_leases (name, holder, expires_at) VALUES (:name, :holder, now() + :ttlMs * interval '1 millisecond')
     ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
      WHERE maintenance_leases.expires_at < now() OR maintenance_leases.holder = excluded.holder
     RETURNING holder`,
    { name, holder, ttlMs },
  );
  return rows.length === 1;
}

/** Extends our lease; false when it is no longer ours (it expired and another process took it). */
export async function renewLease(db: Knex, name: string, holder: string, ttlMs: number): Promise<boolean> {
  const updated = await db('maintenance_leases')
    .where({ name, holder })
    .update({ expires_at: db.raw(`now() + ? * interval '1 millisecond'`, [ttlMs]) });
  return updated === 1;
}

/** Gives the lease up at the end of a pass, noting when the pass finished. */
export async function releaseLease(db: Knex, name: string, holder: string): Promise<void> {
  await db('maintenance_leases').where({ name, holder }).update({ expires_at: db.fn.now(), last_finished_at: db.fn.now() });
}
