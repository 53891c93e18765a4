import type { Knex } from 'knex';
import type { WebhookRow } from '../types';

/** What an operational event names of the webhook it is about. */
export type WebhookRef = Pick<WebhookRow, 'id' | 'tenant_id' | 'name' | 'url'>;

/** A dead-lettered delivery as `delivery.dead_lettered` reports it. */
export interface DeadLetter {
  webhook: WebhookRef;
  delivery_id: string;
  event_id: string;
  event_type: string;
  attempt_count: number;
  last_status_code: number | null;
  last_error: string | null;
  completed_at: Date | null;
}

/** The delivery with its event and webhook, if it is dead-lettered. */
export async function findDeadLetter(db: Knex, deliveryId: string): Promise<DeadLetter | undefined> {
  const row = await db('deliveries as d')
    .join('events as e', 'e.id', 'd.event_id')
    .join('webhooks as w', 'w.id', 'd.webhook_id')
    .where({ 'd.id': deliveryId, 'd.status': 'dead_lettered' })
    .first('d.id as delivery_id', 'd.event_id', 'e.type as event_type', 'd.attempt_count', 'd.last_status_code', 'd.last_error',
      'd.completed_at', 'w.id as webhook_id', 'w.tenant_id', 'w.name', 'w.url');
  if (!row) return undefined;
  const { webhook_id: id, tenant_id, name, url, ...delivery } = row;
  return { ...delivery, webhook: { id, tenant_id, name, url } };
}
