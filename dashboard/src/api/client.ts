// Interim client with the surface of the package's createClient (src/client), until it lands.
import type { Attempt, Bucket, Circuit, Delivery, Session, Stats, Webhook } from './types';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: unknown) {
    super(message);
  }
}

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
}

type Query = Record<string, string | number | undefined>;

export function createClient(options: ClientOptions) {
  const send = async <T>(method: string, path: string, body?: unknown, query: Query = {}): Promise<T> => {
    const search = Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&');
    const response = await (options.fetch ?? fetch)(`${options.baseUrl}/api/v1${path}${search ? `?${search}` : ''}`, {
      method,
      headers: { authorization: `Bearer ${options.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const e = json?.error ?? {};
      throw new ApiError(response.status, e.code ?? 'error', e.message ?? response.statusText, e.details ?? null);
    }
    return json as T;
  };
  const w = (id: string) => `/webhooks/${encodeURIComponent(id)}`;
  return {
    request: send,
    webhooks: {
      list: () => send<{ data: Webhook[]; total: number }>('GET', '/webhooks'),
      get: (id: string) => send<Webhook & { circuit: Circuit }>('GET', w(id)),
      create: (body: Record<string, unknown>) => send<Webhook>('POST', '/webhooks', body),
      update: (id: string, body: Record<string, unknown>) => send<Webhook>('PATCH', w(id), body),
      delete: (id: string) => send<null>('DELETE', w(id)),
      test: (id: string) => send<{ delivery_id: string; status: string; success: boolean | null; status_code: number | null; duration_ms: number | null; error: string | null }>('POST', `${w(id)}/test`),
      rotateSecret: (id: string) => send<Webhook & { previous_secret_expires_at: string }>('POST', `${w(id)}/secret/rotate`),
      resetCircuit: (id: string) => send<{ circuit: Circuit }>('POST', `${w(id)}/circuit/reset`),
      deliveries: (id: string, q: { status?: string; limit?: number; offset?: number } = {}) =>
        send<{ data: Delivery[]; total: number; limit: number; offset: number }>('GET', `${w(id)}/deliveries`, undefined, q),
      delivery: (id: string, deliveryId: string) => send<Delivery & { attempts: Attempt[] }>('GET', `${w(id)}/deliveries/${encodeURIComponent(deliveryId)}`),
      retry: (id: string, deliveryId: string) => send<{ delivery_id: string }>('POST', `${w(id)}/retry/${encodeURIComponent(deliveryId)}`),
      stats: (id: string) => send<Stats>('GET', `${w(id)}/stats`),
      timeseries: (id: string, q: { window?: string; bucket?: string } = {}) =>
        send<{ window: string; bucket: string; buckets: Bucket[] }>('GET', `${w(id)}/stats/timeseries`, undefined, q),
    },
    events: {
      get: (id: string) => send<{ id: string; event: string; data: unknown; created_at: string }>('GET', `/events/${encodeURIComponent(id)}`),
    },
    session: {
      get: async (): Promise<Session> => {
        await send('GET', '/webhooks');
        return { kind: 'api_key', tenant_id: '', read_only: false, webhook_ids: null, expires_at: null };
      },
    },
  };
}

export type Client = ReturnType<typeof createClient>;
