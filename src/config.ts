import { z } from 'zod';
import { bool, duration, durationList, parseCidrList, positiveInt, secretKey } from './configValues';
import { ATTEMPT_OVERHEAD_MS, DEFAULT_DELIVERY_TIMEOUT_MS, DEFAULT_MAX_DELIVERY_AGE_MS } from '../workflows/defaults';

export { formatDuration, parseCidrList, parseDuration } from './configValues';

const envSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535).default(3000),
  HOST: z.string().regex(/^[^\s/]+$/, 'must be an address or host name to bind, e.g. 127.0.0.1 or 0.0.0.0').optional(),
  CONTINUUM_PUBLIC_URL: z.string().regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an http(s) URL without query or fragment, e.g. https://webhooks.example.com')
    .transform((url) => url.replace(/\/+$/, '')).optional(),
  CONTINUUM_DEV_TEMPORAL_PORT: z.coerce.number({ message: 'must be a port number' }).int().min(1).max(64535).default(7233),
  DATABASE_URL: z.string().url('must be a postgres:// connection string').optional(),
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port, e.g. localhost:7233').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).prefault('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).prefault('webhooks'),
  CONTINUUM_BOOTSTRAP_API_KEY: z.string().regex(/^ck_[A-Za-z0-9_-]{20,}$/, 'must look like ck_<base64url>').optional(),
  CONTINUUM_BOOTSTRAP_TENANT: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (max 64)').prefault('default'),
  CONTINUUM_SECRET_KEY: secretKey.optional(),
  CONTINUUM_ALLOW_HTTP: bool.optional(),
  CONTINUUM_ALLOW_PRIVATE_TARGETS: bool.optional(),
  CONTINUUM_ALLOWED_TARGET_CIDRS: z.string().transform((text, ctx) => {
    try {
      return parseCidrList(text);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }).optional(),
  CONTINUUM_RETRY_SCHEDULE: durationList.prefault('1s,5s,30s,5m,30m'),
  CONTINUUM_MIN_RETRY_WAIT: duration.prefault('1s'),
  CONTINUUM_CIRCUIT_FAILURE_THRESHOLD: positiveInt.default(5),
  CONTINUUM_CIRCUIT_OPEN_DURATION: duration.prefault('5m'),
  CONTINUUM_MAX_CONCURRENCY_PER_ENDPOINT: positiveInt.max(1000, 'must be <= 1000').default(10),
  CONTINUUM_DELIVERY_TIMEOUT: duration.prefault(`${DEFAULT_DELIVERY_TIMEOUT_MS}ms`),
  CONTINUUM_MAX_DELIVERY_AGE: duration.prefault(`${DEFAULT_MAX_DELIVERY_AGE_MS}ms`),
  CONTINUUM_DISPATCH_INTERVAL: duration.prefault('5s'),
  CONTINUUM_LEASE_START_TIMEOUT: duration.prefault('10s'),
  CONTINUUM_AUTO_DISABLE_AFTER: duration.prefault('5d'),
  CONTINUUM_DEPENDENCY_CHECK_INTERVAL: duration.prefault('2s'),
  CONTINUUM_DEPENDENCY_CHECK_TIMEOUT: duration.prefault('2s'),
  CONTINUUM_RESTART_BACKOFF: duration.prefault('1s'),
  CONTINUUM_WORKFLOW_CACHE_SIZE: positiveInt.default(10_000),
  CONTINUUM_RETENTION: duration.prefault('30d'),
  CONTINUUM_RETENTION_INTERVAL: duration.prefault('1h'),
  CONTINUUM_RETENTION_BATCH: positiveInt.max(10_000, 'must be <= 10000').default(1000),
  CONTINUUM_RECOVERY_ITEMS_PER_RUN: positiveInt.default(250),
  CONTINUUM_DATA_DIR: z.string().min(1).default('.data'),
  CONTINUUM_TEMPORAL_UI_URL: z.string().regex(/^https?:\/\/[^\s"'<>]+$/, 'must be an http(s) URL, e.g. http://localhost:8233').optional(),
  CONTINUUM_DASHBOARD_FRAME_ANCESTORS: z.string().transform((text) => text.split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(z.string().regex(/^https?:\/\/[^\s/;,'"]+$/, 'each entry must be an origin, e.g. https://app.example.com'))).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).prefault('info'),
  // Traces (docs/tracing.md): on when the endpoint is set. The OpenTelemetry SDK reads these and
  // its other OTEL_* variables itself; they are checked here so a typo stops the start.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().regex(/^https?:\/\/[^\s]+$/, 'must be the http(s) URL of an OTLP collector, e.g. http://localhost:4318').optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: z.enum(['http/protobuf', 'http/json', 'grpc'], { message: 'must be http/protobuf, http/json or grpc' }).optional(),
});

/** Every variable the configuration reads (the deployment manifests are checked against these names). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(envSchema.shape);

export interface Config {
  production: boolean;
  port: number;
  /** Address the API binds: loopback for the zero-config dev setup, every interface otherwise. */
  host: string;
  /** Where people reach the pages (portal links point here); unset: the origin of the request creating the link. */
  publicUrl?: string;
  /** The Temporal dev server's port when one is started (its Web UI: this + 1000). */
  devTemporalPort: number;
  databaseUrl?: string;
  temporalAddress?: string;
  temporalNamespace: string;
  taskQueue: string;
  bootstrapApiKey?: string;
  bootstrapTenant: string;
  secretKey?: Buffer;
  allowHttp: boolean;
  allowPrivateTargets: boolean;
  allowedTargetCidrs: string[];
  retryScheduleMs: number[];
  /** The shortest wait a webhook's own retry_schedule may hold. */
  minRetryWaitMs: number;
  circuitFailureThreshold: number;
  circuitOpenMs: number;
  maxConcurrencyPerEndpoint: number;
  deliveryTimeoutMs: number;
  maxDeliveryAgeMs: number;
  /** How often the gate's sweep looks for expired leases and rows left waiting (and the recovery starter for work). */
  dispatchIntervalMs: number;
  /** A lease taken for a delivery whose workflow has not begun its attempt expires after this long (docs/permits.md). */
  leaseStartTimeoutMs: number;
  /** A webhook whose circuit has not closed for this long is disabled. */
  autoDisableAfterMs: number;
  /** The background checks of Postgres and Temporal (health reads them; the outage log lines come from them). */
  dependencyChecks: { intervalMs: number; timeoutMs: number };
  /** The first wait before a local server that exited is started again (then doubled, five tries). */
  restartBackoffMs: number;
  /** Open workflows a worker keeps in memory; one evicted is replayed before it can go on. */
  workflowCacheSize: number;
  /** History retention, how often its pass runs, and rows per delete statement. */
  retention: { retentionMs: number; intervalMs: number; batchSize: number };
  /** Deliveries a recovery workflow run re-attempts before it continues as new. */
  recoveryItemsPerRun: number;
  dataDir: string;
  /** Base of the dashboard's links to workflow pages in the Temporal Web UI. */
  temporalUiUrl: string;
  /** Origins allowed to show the dashboard in a frame (portal links embedded in a tenant's product); none by default. */
  dashboardFrameAncestors: string[];
  logLevel: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: traces are exported there when set (docs/tracing.md). */
  otlpEndpoint?: string;
  /** Accepted but worth telling the operator (deprecated names): logged once at start. */
  warnings: string[];
}

/** Settings that no longer mean anything since Postgres counts the leases: accepted with a warning for one release. */
const RETIRED_SETTINGS: Record<string, string> = {
  CONTINUUM_ENDPOINT_IDLE_TIMEOUT: 'the endpoint workflow waits with no timer while its circuit is closed, so it costs nothing idle',
  CONTINUUM_PERMIT_BLOCK_DURATION: 'there are no permit blocks: every claim is one statement on the webhook row',
  CONTINUUM_ENDPOINT_PERMITS_PER_RUN: 'the endpoint workflow takes no part in a healthy delivery, so its history stays short',
  CONTINUUM_ENDPOINT_HISTORY_LIMIT: 'the endpoint workflow takes no part in a healthy delivery, so its history stays short',
};

/** Retired a release ago with a warning that said so: refused now, so a stale setting is noticed. */
const REMOVED_SETTINGS = ['CONTINUUM_ACTIVE_DELIVERIES_PER_ENDPOINT', 'CONTINUUM_DISPATCH_RECHECK', 'CONTINUUM_ENDPOINT_CHECK_INTERVAL'];

function removedSettingErrors(present: Record<string, unknown>): string[] {
  return REMOVED_SETTINGS.filter((name) => name in present).map((name) => `  ${name}: was retired in the previous release and has no effect; remove it`);
}

/** Retired variables still accepted, each with why it is no longer needed. */
function deprecationWarnings(present: Record<string, unknown>): string[] {
  return Object.entries(RETIRED_SETTINGS).filter(([name]) => name in present)
    .map(([name, why]) => `${name} no longer has any effect and will be refused in the next release: ${why}`);
}

/** Start-up refused for a reason the operator can fix; shown as its message alone, no stack. */
export class StartupError extends Error {}

export class ConfigError extends StartupError {}

/** Validates the environment once; throws ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  const removed = removedSettingErrors(present);
  if (!parsed.success || removed.length > 0) {
    const lines = (parsed.error?.issues ?? []).map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${[...lines, ...removed].join('\n')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const devDefaults = !production && !e.DATABASE_URL && !e.TEMPORAL_ADDRESS;
  const config: Config = {
    production,
    port: e.PORT,
    host: e.HOST ?? (devDefaults ? '127.0.0.1' : '0.0.0.0'),
    publicUrl: e.CONTINUUM_PUBLIC_URL,
    devTemporalPort: e.CONTINUUM_DEV_TEMPORAL_PORT,
    databaseUrl: e.DATABASE_URL,
    temporalAddress: e.TEMPORAL_ADDRESS,
    temporalNamespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    bootstrapApiKey: e.CONTINUUM_BOOTSTRAP_API_KEY,
    bootstrapTenant: e.CONTINUUM_BOOTSTRAP_TENANT,
    secretKey: e.CONTINUUM_SECRET_KEY ? Buffer.from(e.CONTINUUM_SECRET_KEY, 'base64') : undefined,
    allowHttp: e.CONTINUUM_ALLOW_HTTP ?? devDefaults,
    allowPrivateTargets: e.CONTINUUM_ALLOW_PRIVATE_TARGETS ?? devDefaults,
    allowedTargetCidrs: e.CONTINUUM_ALLOWED_TARGET_CIDRS ?? [],
    retryScheduleMs: e.CONTINUUM_RETRY_SCHEDULE,
    minRetryWaitMs: e.CONTINUUM_MIN_RETRY_WAIT,
    circuitFailureThreshold: e.CONTINUUM_CIRCUIT_FAILURE_THRESHOLD,
    circuitOpenMs: e.CONTINUUM_CIRCUIT_OPEN_DURATION,
    maxConcurrencyPerEndpoint: e.CONTINUUM_MAX_CONCURRENCY_PER_ENDPOINT,
    deliveryTimeoutMs: e.CONTINUUM_DELIVERY_TIMEOUT,
    maxDeliveryAgeMs: e.CONTINUUM_MAX_DELIVERY_AGE,
    dispatchIntervalMs: e.CONTINUUM_DISPATCH_INTERVAL,
    leaseStartTimeoutMs: e.CONTINUUM_LEASE_START_TIMEOUT,
    autoDisableAfterMs: e.CONTINUUM_AUTO_DISABLE_AFTER,
    dependencyChecks: { intervalMs: e.CONTINUUM_DEPENDENCY_CHECK_INTERVAL, timeoutMs: e.CONTINUUM_DEPENDENCY_CHECK_TIMEOUT },
    restartBackoffMs: e.CONTINUUM_RESTART_BACKOFF,
    workflowCacheSize: e.CONTINUUM_WORKFLOW_CACHE_SIZE,
    retention: { retentionMs: e.CONTINUUM_RETENTION, intervalMs: e.CONTINUUM_RETENTION_INTERVAL, batchSize: e.CONTINUUM_RETENTION_BATCH },
    recoveryItemsPerRun: e.CONTINUUM_RECOVERY_ITEMS_PER_RUN,
    dataDir: e.CONTINUUM_DATA_DIR,
    temporalUiUrl: (e.CONTINUUM_TEMPORAL_UI_URL ?? `http://localhost:${e.CONTINUUM_DEV_TEMPORAL_PORT + 1000}`).replace(/\/+$/, ''),
    dashboardFrameAncestors: e.CONTINUUM_DASHBOARD_FRAME_ANCESTORS ?? [],
    logLevel: e.LOG_LEVEL,
    otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
    warnings: deprecationWarnings(present),
  };
  assertProductionSafe(config);
  return config;
}

/** Bound on one attempt activity: the HTTP timeout and a margin for the bookkeeping around it. */
export function attemptTimeoutMs(config: Config): number {
  return config.deliveryTimeoutMs + ATTEMPT_OVERHEAD_MS;
}

/** Beyond the attempt's bound, how long a confirmed lease outlives it (a worker that stalls a little keeps its lease). */
export const LEASE_MARGIN_MS = 10_000;

/** How long a lease lasts once its attempt begins: the attempt's bound and a margin (docs/permits.md). */
export function leaseBoundMs(config: Config): number {
  return attemptTimeoutMs(config) + LEASE_MARGIN_MS;
}

// In production the dev relaxations (http, private targets) stay off unless set explicitly.
function assertProductionSafe(config: Config): void {
  if (!config.production) return;
  const problems: string[] = [];
  if (!config.secretKey) problems.push('  CONTINUUM_SECRET_KEY: required when NODE_ENV=production');
  if (!config.databaseUrl) problems.push('  DATABASE_URL: required when NODE_ENV=production');
  if (!config.temporalAddress) problems.push('  TEMPORAL_ADDRESS: required when NODE_ENV=production');
  if (problems.length) throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
}
