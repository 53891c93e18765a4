import type { Knex } from 'knex';
import { storeDeliveries, storeEvent } from '../../src/events/store';

/**
 * The rows publish stores for one event to one webhook, written directly, with no workflow
 * started: for tests that play what happens after (or instead of) the start.
 */
export async function storeDelivery(
  db: Knex, input: { tenantId: string; webhookId: string; type: string; data: Record<string, unknown>; createdAt?: Date },
): Promise<{ deliveryId: string; createdAt: Date }> {
  const createdAt = input.createdAt ?? new Date();
  const event = await storeEvent(db, { tenantId: input.tenantId, type: input.type, dataJson: JSON.stringify(input.data), createdAt });
  if (!event) throw new Error('event not stored');
  const [delivery] = await storeDeliveries(db, event, [input.webhookId]);
  return { deliveryId: delivery.id, createdAt };
}

/** Rows in every table a request could write to: a refused request must leave them unchanged. */
export async function tableCounts(db: Knex): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['webhooks', 'events', 'deliveries', 'delivery_attempts', 'recoveries', 'recovery_items']) {
    const row = await db(table).count<{ count: string }[]>('* as count').first();
    counts[table] = Number(row?.count);
  }
  return counts;
}

/** A lease held for the delivery, as a claim takes one (for tests that play the attempt without a claim). */
export async function insertLease(db: Knex, webhookId: string, deliveryId: string, leaseId: string, ttlMs = 60_000): Promise<string> {
  await db('gate_leases').insert({ id: leaseId, webhook_id: webhookId, delivery_id: deliveryId, wanted_at: new Date(), expires_at: new Date(Date.now() + ttlMs) });
  return leaseId;
}
