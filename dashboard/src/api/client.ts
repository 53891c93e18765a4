// The package's typed client (src/client), plus what the dashboard needs around it.
import { ApiError, createClient, type ClientOptions, type Webhook as ApiWebhook, type WebhookWithCircuit } from '../../../src/client';
import { errorFromResponse } from '../../../src/client/errors';

export { ApiError };
export type { Attempt, Circuit, Session, TimeseriesBucket as Bucket, WebhookStats as Stats } from '../../../src/client';

/** Fields the API adds once per-endpoint headers, rate limits and auto-disable exist; optional until then. */
interface LaterFields {
  headers?: Record<string, string> | null;
  rate_limit_per_s?: number | null;
  disabled_reason?: string | null;
  disabled_at?: string | null;
}

export type Webhook = ApiWebhook & LaterFields;
export type WebhookDetail = WebhookWithCircuit & LaterFields;

/**
 * The typed client, and `request` for calls it does not type yet (bulk recovery), sent the same
 * way: same credential, same fetch, errors as ApiError.
 */
export function createDashboardClient(options: ClientOptions & { fetch: NonNullable<ClientOptions['fetch']> }) {
  const client = createClient(options);
  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await options.fetch(`${options.baseUrl}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) throw await errorFromResponse(response);
    return (await response.json()) as T;
  };
  return {
    ...client,
    webhooks: { ...client.webhooks, get: (id: string) => client.webhooks.get(id) as Promise<WebhookDetail> },
    request,
  };
}

export type Client = ReturnType<typeof createDashboardClient>;
