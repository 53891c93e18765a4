import type { Knex } from 'knex';
import type { WebhookRow } from '../types';

export interface NewWebhook {
  id: string;
  tenant_id: string;
  url: string;
  events: string[];
  name: string;
  description: string | null;
  active: boolean;
  secret_ciphertext: string;
  max_concurrency: number;
}

export async function insertWebhook(db: Knex, webhook: NewWebhook): Promise<WebhookRow> {
  const [row] = await db('webhooks').insert(webhook).returning('*');
  return row;
}

/** A live (not deleted) webhook of this tenant, or undefined. */
export async function findWebhook(db: Knex, tenantId: string, id: string): Promise<WebhookRow | undefined> {
  return db('webhooks').where({ tenant_id: tenantId, id }).whereNull('deleted_at').first();
}

export async function listWebhooks(db: Knex, tenantId: string, options: { activeOnly?: boolean } = {}): Promise<WebhookRow[]> {
  const query = db('webhooks').where({ tenant_id: tenantId }).whereNull('deleted_at').orderBy('created_at', 'desc');
  if (options.activeOnly) query.andWhere({ active: true });
  return query;
}

/** Active webhooks of the tenant subscribed to `eventType`. */
export async function findSubscribers(db: Knex, tenantId: string, eventType: string): Promise<Pick<WebhookRow, 'id'>[]> {
  return db('webhooks')
    .where({ tenant_id: tenantId, active: true })
    .whereNull('deleted_at')
    .whereRaw('? = ANY(events)', [eventType])
    .select('id');
}
