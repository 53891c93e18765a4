import type { Knex } from 'knex';
import { newId } from '../../src/db/ids';
import { insertDeliveries } from '../../src/db/repositories/deliveries';
import { insertEvent } from '../../src/db/repositories/events';
import { serializeEventBody } from '../../src/events/publish';

/**
 * The rows publish stores for one event to one webhook, written directly, with no workflow
 * started: for tests that play what happens after (or instead of) the start.
 */
export async function storeDelivery(
  db: Knex, input: { tenantId: string; webhookId: string; type: string; data: Record<string, unknown>; createdAt?: Date },
): Promise<{ deliveryId: string; createdAt: Date }> {
  const createdAt = input.createdAt ?? new Date();
  const event = await insertEvent(db, {
    id: newId('evt'), tenant_id: input.tenantId, type: input.type, payload: JSON.stringify(input.data),
    body: serializeEventBody(input.type, createdAt, input.tenantId, JSON.stringify(input.data)), idempotency_key: null, created_at: createdAt,
  });
  if (!event) throw new Error('event not stored');
  const deliveryId = newId('del');
  await insertDeliveries(db, [{ id: deliveryId, tenant_id: input.tenantId, webhook_id: input.webhookId, event_id: event.id, created_at: createdAt }]);
  return { deliveryId, createdAt };
}
