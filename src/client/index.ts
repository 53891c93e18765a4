import type * as R from '../api/responses';
import type * as Rec from '../api/recoveryResponses';
import { ApiError, errorFromResponse } from './errors';
import type {
  CreatePortalSessionInput, CreateWebhookInput, FilterTestInput, ListDeliveriesQuery, ListWebhooksQuery, PublishEventInput, RecoverInput,
  RedeliverInput, TimeseriesQuery, UpdateWebhookInput,
} from './types';

export { ApiError } from './errors';
export type * from './types';

/** The fetch the client calls: the global one by default (browsers, Node 20+). */
export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<Response>;

export interface ClientOptions {
  /** Where the API is served, e.g. "http://localhost:3000"; "" for the page's own origin. */
  baseUrl: string;
  /** An API key (ck_…) or a portal token (cpt_…), sent as `Authorization: Bearer`. */
  apiKey: string;
  fetch?: FetchLike;
}

type Query = Record<string, string | number | boolean | undefined>;

function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

const seg = encodeURIComponent;

/**
 * A typed client of the Continuum Webhooks API (browser-safe: it needs only `fetch`). Every
 * method resolves to the response body, typed from the API's own response schemas, and
 * rejects with an ApiError on any non-2xx answer or when no answer arrives.
 */
export function createClient(options: ClientOptions) {
  const doFetch: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const base = `${options.baseUrl.replace(/\/+$/, '')}/api/v1`;

  async function call<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(`${base}${path}${queryString(query)}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new ApiError(0, 'network_error', `the API could not be reached: ${(err as Error).message}`);
    }
    if (!response.ok) throw await errorFromResponse(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  const webhook = (id: string) => `/webhooks/${seg(id)}`;

  return {
    webhooks: {
      /** One page of the webhooks in scope, newest first: `{data, total, limit, offset}` (limit 1–100, default 100). */
      list: (query: ListWebhooksQuery = {}) => call<R.WebhookList>('GET', '/webhooks', undefined, { ...query }),
      get: (id: string) => call<R.WebhookWithCircuit>('GET', webhook(id)),
      create: (body: CreateWebhookInput) => call<R.Webhook>('POST', '/webhooks', body),
      update: (id: string, body: UpdateWebhookInput) => call<R.Webhook>('PATCH', webhook(id), body),
      delete: (id: string) => call<void>('DELETE', webhook(id)),
      test: (id: string) => call<R.TestResult>('POST', `${webhook(id)}/test`),
      rotateSecret: (id: string) => call<R.RotatedWebhook>('POST', `${webhook(id)}/secret/rotate`),
      /** Whether a sample event matches the webhook's filter, and if not the first condition it fails. */
      testFilter: (id: string, sample: FilterTestInput) => call<R.FilterTestResult>('POST', `${webhook(id)}/filter/test`, sample),
      resetCircuit: (id: string) => call<R.CircuitReset>('POST', `${webhook(id)}/circuit/reset`),
      deliveries: (id: string, query: ListDeliveriesQuery = {}) => call<R.DeliveryList>('GET', `${webhook(id)}/deliveries`, undefined, { ...query }),
      delivery: (id: string, deliveryId: string) => call<R.DeliveryDetail>('GET', `${webhook(id)}/deliveries/${seg(deliveryId)}`),
      retry: (id: string, deliveryId: string) => call<R.RetryAccepted>('POST', `${webhook(id)}/retry/${seg(deliveryId)}`),
      stats: (id: string) => call<R.WebhookStats>('GET', `${webhook(id)}/stats`),
      timeseries: (id: string, query: TimeseriesQuery = {}) => call<R.Timeseries>('GET', `${webhook(id)}/stats/timeseries`, undefined, { ...query }),
      recover: (id: string, body: RecoverInput) => call<Rec.RecoveryAccepted>('POST', `${webhook(id)}/recover`, body),
    },
    events: {
      publish: (body: PublishEventInput) => call<R.PublishedEvent>('POST', '/events', body),
      get: (id: string) => call<R.EventDetail>('GET', `/events/${seg(id)}`),
      redeliver: (id: string, body: RedeliverInput = {}) => call<Rec.Redelivered>('POST', `/events/${seg(id)}/redeliver`, body),
    },
    eventTypes: {
      /** The catalogue: each type's description, priority and the JSON Schema of its data. */
      list: () => call<R.EventTypeList>('GET', '/event-types'),
    },
    recoveries: {
      get: (id: string) => call<Rec.Recovery>('GET', `/recoveries/${seg(id)}`),
    },
    session: {
      /** Who this key or token is: its tenant, webhook scope, read-only flag and expiry. */
      get: () => call<R.Session>('GET', '/session'),
    },
    portal: {
      create: (body: CreatePortalSessionInput = {}) => call<R.PortalSession>('POST', '/portal/sessions', body),
      revoke: (id: string) => call<void>('DELETE', `/portal/sessions/${seg(id)}`),
    },
    health: () => call<R.Health>('GET', '/webhooks/health'),
  };
}

export type Client = ReturnType<typeof createClient>;
