import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { DependencyMonitor } from '../infra/dependencyMonitor';
import type { Metrics } from '../metrics';
import type { SecretBox } from '../security/secrets';
import type { UrlPolicy } from '../security/urlPolicy';
import type { TemporalConnector } from '../temporal/client';
import type { EndpointControl } from '../temporal/endpointControl';
import type { DeliveryControl } from '../temporal/deliveryControl';
import type { RecoveryControl } from '../temporal/recoveryControl';
import type { DashboardOptions } from './pages';

/** Everything the HTTP API needs, passed in (never imported as globals). */
export interface ApiDeps {
  db: Knex;
  log: Logger;
  secretBox: SecretBox;
  urlPolicy: UrlPolicy;
  temporal: TemporalConnector;
  deliveries: DeliveryControl;
  /** Starts committed deliveries behind the request. */
  startQueue: { enqueue(deliveries: Array<{ webhook_id: string; deliver_at?: Date | null }>): void };
  endpoints: EndpointControl;
  recoveries: RecoveryControl;
  maxConcurrencyPerEndpoint: number;
  /** The circuit's open period (its half_open_at in responses). */
  circuitOpenMs: number;
  /** The shortest wait a webhook's retry_schedule may hold (1s in production). */
  minRetryWaitMs: number;
  /** How long POST /webhooks/{id}/test waits for the attempt's outcome. */
  testWaitMs: number;
  metrics: Metrics;
  /** Whether Postgres and Temporal are there, checked in the background (health reads it). */
  monitor: DependencyMonitor;
  /** The pages at `/`. */
  dashboard: DashboardOptions;
  /** Base of portal links; unset: the origin of the request creating the link. */
  publicUrl?: string;
}
