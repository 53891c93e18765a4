import type { Knex } from 'knex';

/**
 * The send-time side of a webhook's rate limit, in Postgres so every worker shares one clock:
 * attempts of a rate-limited webhook leave at least 1/rate_limit_per_s apart. The endpoint
 * workflow's bucket paces the permits (a second's burst, see workflows/tokenBucket.ts); this
 * spaces the sends, so attempts granted apart that run close together (a worker that fell
 * behind, its workflow tasks queued) don't reach the receiver bunched. The row is locked for
 * the one statement, so two workers never take the same slot.
 *
 * Returns 0 when the slot was taken (or the webhook has no rate limit), else how many
 * milliseconds until the next one (nothing taken).
 */
export async function takeSendSlot(db: Knex, webhookId: string): Promise<number> {
  const { rows } = await db.raw(`
    WITH current AS (
      SELECT w.id, t.now, w.rate_limit_next_at AS next_at, 1000.0 / w.rate_limit_per_s AS spacing_ms
        FROM webhooks AS w, (SELECT clock_timestamp() AS now) AS t
       WHERE w.id = ? AND w.rate_limit_per_s IS NOT NULL
         FOR UPDATE OF w
    )
    UPDATE webhooks AS w
       SET rate_limit_next_at = CASE WHEN c.next_at IS NULL OR c.next_at <= c.now
                                     THEN c.now + c.spacing_ms * interval '1 millisecond' ELSE c.next_at END
      FROM current AS c
     WHERE w.id = c.id
    RETURNING CASE WHEN c.next_at IS NULL OR c.next_at <= c.now THEN 0
                   ELSE extract(epoch FROM c.next_at - c.now) * 1000 END::float8 AS wait_ms`, [webhookId]);
  return rows.length === 0 ? 0 : Math.ceil(Number(rows[0].wait_ms));
}
