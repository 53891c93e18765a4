import type { Knex } from 'knex';
import type { WebhookRow } from '../types';

export type NewWebhook = Pick<WebhookRow,
  'id' | 'tenant_id' | 'url' | 'events' | 'name' | 'description' | 'active' | 'secret_ciphertext' | 'max_concurrency'>
  & Partial<Pick<WebhookRow, 'rate_limit_per_s' | 'headers_ciphertext' | 'header_names' | 'ordering'>> & { retry_schedule_ms?: string | null; filter?: string | null };

export async function insertWebhook(db: Knex, webhook: NewWebhook): Promise<WebhookRow> {
  const [row] = await db('webhooks').insert(webhook).returning('*');
  return row;
}

/** A live (not deleted) webhook of this tenant, or undefined. */
export async function findWebhook(db: Knex, tenantId: string, id: string): Promise<WebhookRow | undefined> {
  return db('webhooks').where({ tenant_id: tenantId, id }).whereNull('deleted_at').first();
}

export interface WebhookFilter {
  activeOnly?: boolean;
  /** When not null: only these (a portal token's scope). */
  ids?: string[] | null;
}

function liveWebhooks(db: Knex, tenantId: string, filter: WebhookFilter) {
  const query = db('webhooks').where({ tenant_id: tenantId }).whereNull('deleted_at');
  if (filter.activeOnly) query.andWhere({ active: true });
  if (filter.ids) query.whereIn('id', filter.ids);
  return query;
}

// Newest first; the id (time-ordered too) settles ties, so pages never overlap or skip a row.
const NEWEST_FIRST = [{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }];

/** Every live webhook of the tenant matching the filter, newest first (the operator CLI lists them all). */
export async function listWebhooks(db: Knex, tenantId: string, filter: WebhookFilter = {}): Promise<WebhookRow[]> {
  return liveWebhooks(db, tenantId, filter).orderBy(NEWEST_FIRST);
}

export interface WebhookPage {
  rows: WebhookRow[];
  total: number;
}

/** One page of the tenant's live webhooks matching the filter, newest first, with the total for paging. */
export async function listWebhooksPage(db: Knex, tenantId: string, filter: WebhookFilter, page: { limit: number; offset: number }): Promise<WebhookPage> {
  const [rows, count] = await Promise.all([
    liveWebhooks(db, tenantId, filter).orderBy(NEWEST_FIRST).limit(page.limit).offset(page.offset),
    liveWebhooks(db, tenantId, filter).count<{ n: string }[]>('* as n').first(),
  ]);
  return { rows, total: Number(count?.n ?? 0) };
}

/** Active webhooks of the tenant subscribed to `eventType` (but `exceptWebhookId`: an operational event's own webhook). */
export async function findSubscribers(db: Knex, tenantId: string, eventType: string, exceptWebhookId?: string)
  : Promise<Array<Pick<WebhookRow, 'id' | 'max_concurrency' | 'circuit_state' | 'ordering' | 'retry_schedule_ms'> & { filter_text: string | null }>> {
  const query = db('webhooks')
    .where({ tenant_id: tenantId, active: true })
    .whereNull('deleted_at')
    .whereRaw('? = ANY(events)', [eventType])
    .select('id', 'max_concurrency', 'circuit_state', 'ordering', 'retry_schedule_ms', db.raw('filter::text AS filter_text')) // as stored: the key of its compiled form
    .orderBy('id'); // fifo webhooks' lines are locked in this order (see storeDeliveries)
  if (exceptWebhookId) query.whereNot({ id: exceptWebhookId });
  return query;
}

/** The webhook's delivery settings, whether or not it was deleted since. */
export async function findWebhookForDelivery(db: Knex, webhookId: string)
  : Promise<Pick<WebhookRow, 'id' | 'tenant_id' | 'active' | 'deleted_at' | 'max_concurrency' | 'rate_limit_per_s' | 'circuit_state'> | undefined> {
  return db('webhooks').where({ id: webhookId }).first('id', 'tenant_id', 'active', 'deleted_at', 'max_concurrency', 'rate_limit_per_s', 'circuit_state');
}

/** Deliveries can go to it: it exists, is active and not deleted. */
export function acceptsDeliveries<T extends Pick<WebhookRow, 'active' | 'deleted_at'>>(webhook: T | undefined): webhook is T {
  return webhook !== undefined && webhook.active && !webhook.deleted_at;
}

/** `retry_schedule_ms` as JSON text (null: the installation's schedule). */
export type WebhookPatch = Partial<Pick<WebhookRow,
  'url' | 'events' | 'name' | 'description' | 'active' | 'max_concurrency' | 'rate_limit_per_s' | 'headers_ciphertext' | 'header_names' | 'ordering'>>
  & { retry_schedule_ms?: string | null; filter?: string | null };

/** Columns set beside the patch's own (see reactivationColumns). */
type ExtraColumns = { deleted_at?: Date } | Record<string, Knex.Raw | null>;

export async function updateWebhook(db: Knex, tenantId: string, id: string, patch: WebhookPatch & ExtraColumns): Promise<WebhookRow | undefined> {
  const [row] = await db('webhooks')
    .where({ tenant_id: tenantId, id })
    .whereNull('deleted_at')
    .update({ ...patch, updated_at: db.fn.now() })
    .returning('*');
  return row;
}

/** The current secret becomes the previous one (still signing until `previousExpiresAt`). */
export async function rotateSecret(db: Knex, tenantId: string, id: string, secretCiphertext: string, previousExpiresAt: Date): Promise<WebhookRow | undefined> {
  const [row] = await db('webhooks')
    .where({ tenant_id: tenantId, id })
    .whereNull('deleted_at')
    .update({
      previous_secret_ciphertext: db.ref('secret_ciphertext'),
      previous_secret_expires_at: previousExpiresAt,
      secret_ciphertext: secretCiphertext,
      updated_at: db.fn.now(),
    })
    .returning('*');
  return row;
}
