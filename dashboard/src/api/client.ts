// The package's typed client (src/client), which the dashboard calls for everything.
import { ApiError, createClient, type ClientOptions } from '../../../src/client';

export { ApiError };
export type {
  Attempt, Circuit, Session, TimeseriesBucket as Bucket, Webhook, WebhookWithCircuit as WebhookDetail, WebhookStats as Stats,
} from '../../../src/client';

/** The typed client with the page's credential and fetch. */
export function createDashboardClient(options: ClientOptions & { fetch: NonNullable<ClientOptions['fetch']> }) {
  return createClient(options);
}

export type Client = ReturnType<typeof createDashboardClient>;
