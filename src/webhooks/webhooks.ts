import { newId } from '../db/ids';
import { cancelOpenDeliveries } from '../db/repositories/deliveries';
import { reactivationColumns } from '../db/repositories/circuits';
import { insertWebhook, rotateSecret, updateWebhook, type WebhookPatch } from '../db/repositories/webhooks';
import type { WebhookRow } from '../db/types';
import { NotFoundError, ValidationError } from '../errors';
import { sealHeaders, type CustomHeaders } from '../security/customHeaders';
import { generateWebhookSecret, type SecretBox } from '../security/secrets';
import { checkWebhookUrl, UrlPolicyError, type UrlPolicy } from '../security/urlPolicy';
import { stopWorkflows, type LifecycleDeps } from './lifecycle';

/** How long the old secret keeps signing after a rotation. */
export const SECRET_OVERLAP_MS = 24 * 3_600_000;

export interface WebhookDeps extends LifecycleDeps {
  secretBox: SecretBox;
  urlPolicy: UrlPolicy;
  /** Default and upper bound of a webhook's max_concurrency. */
  maxConcurrencyPerEndpoint: number;
  /** Claims for a webhook whose limits changed (the gate reads them from its row at every claim). */
  startQueue: { enqueue(deliveries: Array<{ webhook_id: string }>): void };
}

/** What a tenant gives to register a webhook (the API's create body). */
export interface WebhookSettings {
  url: string;
  events: string[];
  name: string;
  description?: string | null;
  active?: boolean;
  max_concurrency?: number;
  /** Permits per second at most; null or absent: no rate limit. */
  rate_limit_per_s?: number | null;
  /** Sent with every attempt (validated by the API's schema); null, {} or absent: none. */
  headers?: CustomHeaders | null;
  /** 'fifo': its deliveries go in order, per ordering key; default 'none'. */
  ordering?: 'none' | 'fifo';
  /** Its own waits before retries (ms), for deliveries created from now on; null or absent: the installation's. */
  retry_schedule?: number[] | null;
  /** Conditions on the event body (checked by the API's schema); null or absent: every event of its types. */
  filter?: Record<string, unknown> | null;
}

/** What a PATCH may change: the settings, each optional; `headers` replaces the whole set. */
export type WebhookChanges = Partial<WebhookSettings>;

/** A webhook with its secret in full: only create and rotate return it. */
export interface WebhookWithSecret {
  row: WebhookRow;
  secret: string;
}

/** The URL as it will be called, or a 400 naming why it is refused. */
async function vetUrl(deps: WebhookDeps, url: string): Promise<string> {
  try {
    return (await checkWebhookUrl(url, deps.urlPolicy)).toString();
  } catch (err) {
    if (!(err instanceof UrlPolicyError)) throw err;
    throw new ValidationError('request is invalid', [{ field: 'body.url', message: err.reason }]);
  }
}

export async function createWebhook(deps: WebhookDeps, tenantId: string, settings: WebhookSettings): Promise<WebhookWithSecret> {
  const url = await vetUrl(deps, settings.url);
  const secret = generateWebhookSecret();
  const row = await insertWebhook(deps.db, {
    id: newId('wh'),
    tenant_id: tenantId,
    url,
    events: settings.events,
    name: settings.name,
    description: settings.description ?? null,
    active: settings.active ?? true,
    secret_ciphertext: deps.secretBox.seal(secret),
    max_concurrency: settings.max_concurrency ?? deps.maxConcurrencyPerEndpoint,
    rate_limit_per_s: settings.rate_limit_per_s ?? null,
    ordering: settings.ordering ?? 'none',
    ...retryScheduleColumn(settings.retry_schedule),
    ...filterColumn(settings.filter),
    ...sealHeaders(deps.secretBox, settings.headers),
  });
  return { row, secret };
}

/**
 * Changes a webhook. Deactivating it cancels its open deliveries and ends its endpoint
 * workflow (see retire); reactivating later starts a fresh one. New limits apply to the
 * next claim, which a raised limit or a new ordering makes at once.
 */
export async function changeWebhook(deps: WebhookDeps, tenantId: string, id: string, changes: WebhookChanges): Promise<WebhookRow> {
  const { headers, retry_schedule: retrySchedule, filter, ...patch } = changes;
  const url = patch.url === undefined ? undefined : await vetUrl(deps, patch.url);
  const fields: WebhookPatch = {
    ...patch, ...(url ? { url } : {}), ...(headers === undefined ? {} : sealHeaders(deps.secretBox, headers)), ...retryScheduleColumn(retrySchedule), ...filterColumn(filter),
  };
  if (fields.active === false) return retire(deps, tenantId, id, fields, 'webhook deactivated');
  // Re-enabling clears disabled_reason and disabled_at (and the old circuit: see reactivationColumns).
  const row = await updateWebhook(deps.db, tenantId, id, fields.active ? { ...fields, ...reactivationColumns(deps.db) } : fields);
  if (!row) throw new NotFoundError('webhook', id);
  // More room, or a new ordering (none: every waiting row may go): claim for it now.
  if (fields.max_concurrency !== undefined || fields.rate_limit_per_s !== undefined || fields.ordering !== undefined || fields.active) {
    deps.startQueue.enqueue([{ webhook_id: id }]);
  }
  return row;
}

/** The column of a retry schedule given (stored as JSON; null: the installation's); nothing when absent. */
function retryScheduleColumn(schedule: number[] | null | undefined): { retry_schedule_ms?: string | null } {
  if (schedule === undefined) return {};
  return { retry_schedule_ms: schedule === null ? null : JSON.stringify(schedule) };
}

/** The filter's column (JSON text, as written); nothing when absent. */
function filterColumn(filter: Record<string, unknown> | null | undefined): { filter?: string | null } {
  if (filter === undefined) return {};
  return { filter: filter === null ? null : JSON.stringify(filter) };
}

/** Soft delete: the row stays (its deliveries' history too); its open deliveries are cancelled. */
export async function deleteWebhook(deps: WebhookDeps, tenantId: string, id: string): Promise<void> {
  await retire(deps, tenantId, id, { deleted_at: new Date() }, 'webhook deleted');
}

/**
 * Deletes or deactivates: the open deliveries' rows are cancelled in the same transaction,
 * so nothing is sent after the answer; then their workflows and the endpoint's are ended.
 */
async function retire(deps: WebhookDeps, tenantId: string, id: string, fields: WebhookPatch & { deleted_at?: Date }, reason: string): Promise<WebhookRow> {
  const { row, cancelled } = await deps.db.transaction(async (tx) => {
    const updated = await updateWebhook(tx, tenantId, id, fields);
    if (!updated) throw new NotFoundError('webhook', id);
    return { row: updated, cancelled: await cancelOpenDeliveries(tx, id, reason) };
  });
  await stopWorkflows(deps, id, cancelled);
  return row;
}

/** A new secret; the current one becomes the previous one and keeps signing for SECRET_OVERLAP_MS. */
export async function rotateWebhookSecret(deps: WebhookDeps, tenantId: string, id: string): Promise<WebhookWithSecret & { previousExpiresAt: Date }> {
  const secret = generateWebhookSecret();
  const previousExpiresAt = new Date(Date.now() + SECRET_OVERLAP_MS);
  const row = await rotateSecret(deps.db, tenantId, id, deps.secretBox.seal(secret), previousExpiresAt);
  if (!row) throw new NotFoundError('webhook', id);
  return { row, secret, previousExpiresAt };
}
