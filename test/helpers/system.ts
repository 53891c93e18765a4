import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/log';
import { generateApiKey } from '../../src/security/apiKeys';
import { startSystem, type Role, type RunningSystem } from '../../src/system';
import { createTestDatabase, getInfra } from './infra';
import { Receiver } from './receiver';
import { checkResponse } from './responseCheck';

export interface TestSystem {
  system: RunningSystem;
  /** The environment it was started with, to start more processes sharing its keys and queue. */
  env: Record<string, string>;
  apiKey: string;
  taskQueue: string;
  api: ApiClient;
  stop(): Promise<void>;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export type ApiClient = (method: string, path: string, body?: unknown, options?: { key?: string | null; rawBody?: string; contentType?: string }) => Promise<ApiResponse>;

/** Millisecond schedules so tests run the real workflows quickly; production defaults are untouched. */
export const FAST_ENV: Record<string, string> = {
  CONTINUUM_RETRY_SCHEDULE: '50ms,100ms,150ms,200ms,250ms',
  CONTINUUM_CIRCUIT_OPEN_DURATION: '1s',
  CONTINUUM_DELIVERY_TIMEOUT: '5s',
  CONTINUUM_DISPATCH_INTERVAL: '200ms',
};

export function apiClient(baseUrl: string, defaultKey: string): ApiClient {
  return async (method, path, body, options = {}) => {
    const key = options.key === undefined ? defaultKey : options.key;
    const headers: Record<string, string> = {};
    if (key) headers.authorization = `Bearer ${key}`;
    const payload = options.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
    if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    const response = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    // Every response a test sees is checked against the schemas the OpenAPI document is built from.
    checkResponse(method, `/api/v1${path}`, response.status, parsed);
    return { status: response.status, headers: response.headers, body: parsed };
  };
}

/**
 * The environment of a system on the shared Temporal server and `databaseUrl`: its own task
 * queue, secret key and bootstrap key (tenant_a), dev relaxations on, the fast schedules; `env` on top.
 */
export function testSystemEnv(databaseUrl: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: getInfra().temporalAddress,
    TEMPORAL_TASK_QUEUE: `test-${randomBytes(4).toString('hex')}`,
    CONTINUUM_BOOTSTRAP_TENANT: 'tenant_a',
    CONTINUUM_SECRET_KEY: randomBytes(32).toString('base64'),
    CONTINUUM_BOOTSTRAP_API_KEY: generateApiKey(),
    CONTINUUM_ALLOW_HTTP: 'true',
    CONTINUUM_ALLOW_PRIVATE_TARGETS: 'true',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...FAST_ENV,
    ...env,
  };
}

/** The real system (API, waker and sweep, worker) against the shared Temporal server and a given database. */
export async function startTestSystem(
  databaseUrl: string,
  env: Record<string, string> = {},
  roles: Role[] = ['api', 'worker'],
  options: { logFile?: string } = {},
): Promise<TestSystem> {
  const fullEnv = testSystemEnv(databaseUrl, env);
  const apiKey = fullEnv.CONTINUUM_BOOTSTRAP_API_KEY;
  const taskQueue = fullEnv.TEMPORAL_TASK_QUEUE;
  const config = loadConfig(fullEnv);
  const system = await startSystem(config, {
    roles,
    log: createLogger(config.logLevel, options.logFile ? pino.destination({ dest: options.logFile, sync: true }) : undefined),
    workflowBundle: getInfra().workflowBundle,
    host: '127.0.0.1',
  });
  return { system, env: fullEnv, apiKey, taskQueue, api: apiClient(system.apiUrl ?? '', apiKey), stop: () => system.stop() };
}

export interface StackContext {
  database: Awaited<ReturnType<typeof createTestDatabase>>;
  stack: TestSystem;
  receiver: Receiver;
}

/**
 * Mocha hooks for a test file's own database, system and receiver, torn down after it.
 * Fields are filled in by `before`, so read them inside tests, not at describe time.
 */
export function useTestStack(env: Record<string, string> = {}, roles: Role[] = ['api', 'worker'], options: { logFile?: () => string } = {}): StackContext {
  const ctx = {} as StackContext;
  before(async function () {
    ctx.database = await createTestDatabase();
    ctx.stack = await startTestSystem(ctx.database.url, env, roles, { logFile: options.logFile?.() });
    ctx.receiver = await new Receiver().start();
  });
  after(async function () {
    await ctx.receiver?.stop();
    await ctx.stack?.stop();
    await ctx.database?.drop();
  });
  return ctx;
}
