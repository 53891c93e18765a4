import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDb } from '../../src/db/knex';
import { ATTR } from '../../src/tracing/attributes';
import { generateApiKey } from '../../src/security/apiKeys';
import { createTestDatabase } from '../helpers/infra';
import { OtlpReceiver, type ExportedSpan } from '../helpers/otlpReceiver';
import { Receiver } from '../helpers/receiver';
import { apiClient, testSystemEnv, type ApiClient } from '../helpers/system';
import { eventually } from '../helpers/wait';
import { RoleProcess } from '../helpers/workerProcess';

const DIST = path.resolve(__dirname, '../..');

/** `main.js all` against the test's Postgres and Temporal, its own queue, with `env` on top. */
function childEnv(databaseUrl: string, apiKey: string, env: Record<string, string>): Record<string, string> {
  return testSystemEnv(databaseUrl, {
    CONTINUUM_BOOTSTRAP_API_KEY: apiKey,
    LOG_LEVEL: 'warn',
    // Exports every 100 ms: a test waits for the spans of a finished delivery, not for a batch.
    OTEL_BSP_SCHEDULE_DELAY: '100',
    ...env,
  });
}

interface Published {
  webhook: { id: string; secret: string };
  headerToken: string;
  payloadValue: string;
  eventId: string;
  deliveryId: string;
}

/** A webhook with a custom header, one event to it, delivered at its second attempt (each delivery's first gets a 500). */
async function publishAndDeliver(api: ApiClient, receiver: Receiver): Promise<Published> {
  const failed = new Set<unknown>();
  receiver.respond = (request) => {
    const first = !failed.has(request.headers['x-continuum-delivery']);
    failed.add(request.headers['x-continuum-delivery']);
    return first ? { status: 500 } : { status: 200, body: 'ok' };
  };
  const headerToken = `gw-${randomBytes(12).toString('hex')}`;
  const webhook = (await api('POST', '/webhooks', { url: receiver.url, events: ['memory.created'], name: 'traced', headers: { 'X-Gateway-Token': headerToken } })).body;
  assert.match(webhook.secret, /^whs_/);
  const payloadValue = `payload-${randomBytes(8).toString('hex')}`;
  const published = await api('POST', '/events', { event: 'memory.created', data: { memory_id: 'mem_traced', content_preview: payloadValue } });
  assert.equal(published.status, 202, JSON.stringify(published.body));
  const [deliveryId] = published.body.delivery_ids as string[];
  await eventually('delivered at the second attempt', async () => {
    const delivery = (await api('GET', `/webhooks/${webhook.id}/deliveries/${deliveryId}`)).body;
    return delivery.status === 'succeeded' && delivery.attempt_count === 2;
  }, 60_000);
  return { webhook, headerToken, payloadValue, eventId: published.body.id, deliveryId };
}

async function storedTraceParent(databaseUrl: string, deliveryId: string): Promise<string | null> {
  const db = createDb(databaseUrl, 1);
  try {
    return (await db('deliveries').where({ id: deliveryId }).first('trace_parent')).trace_parent;
  } finally {
    await db.destroy();
  }
}

/** The one span named `name` whose parent is `parent` (same trace), failing with what there is. */
function childOf(spans: ExportedSpan[], parent: ExportedSpan, name: string): ExportedSpan[] {
  const found = spans.filter((s) => s.name === name && s.parentSpanId === parent.spanId && s.traceId === parent.traceId);
  assert.ok(found.length > 0, `no ${name} under ${parent.name}; spans: ${spans.map((s) => `${s.name}(${s.spanId}<-${s.parentSpanId})`).join(', ')}`);
  return found;
}

describe('OpenTelemetry traces', function () {
  this.timeout(300_000);
  let database: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
  let receiver: Receiver;
  let collector: OtlpReceiver;
  let node: RoleProcess | null = null;
  const apiKey = generateApiKey();

  before(async function () {
    receiver = await new Receiver().start();
    collector = await new OtlpReceiver().start();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && node) process.stdout.write(`main.js all printed (last lines):\n${node.output.slice(-4000)}\n`);
    await node?.kill();
    node = null;
    await database?.drop();
    database = null;
  });

  // Each test its own database: the other's webhook is not subscribed to its event.
  beforeEach(async function () {
    database = await createTestDatabase();
  });

  after(async function () {
    await collector?.stop();
    await receiver?.stop();
  });

  it('without OTEL_EXPORTER_OTLP_ENDPOINT: no OpenTelemetry module is loaded, nothing is exported, no traceparent is stored', async function () {
    // (@opentelemetry/api alone, a no-op without an SDK, comes with prom-client: not counted.)
    const script = `const { startTracing } = require(${JSON.stringify(path.join(DIST, 'src/tracing'))});
      require(${JSON.stringify(path.join(DIST, 'src/main'))});
      startTracing(undefined).then((on) => console.log(JSON.stringify({ on, loaded: Object.keys(require.cache).filter((p) => /@opentelemetry[\\\\/](?!api[\\\\/])|interceptors-opentelemetry|tracing[\\\\/](sdk|temporal)/.test(p)) })));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { env: { PATH: process.env.PATH ?? '' } });
    assert.deepEqual(JSON.parse(stdout), { on: false, loaded: [] });

    // Every other OTEL_* setting points here: only the endpoint variable switches tracing on.
    const db = database as NonNullable<typeof database>;
    node = await new RoleProcess('all', childEnv(db.url, apiKey, {
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.endpoint}/v1/traces`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    })).start(180_000);
    const { deliveryId } = await publishAndDeliver(apiClient(node.apiUrl as string, apiKey), receiver);
    await node.stop();
    assert.equal(collector.requests, 0, 'nothing was exported');
    assert.equal(await storedTraceParent(db.url, deliveryId), null);
  });

  it('with it set: publish → workflow start → workflow → attempt activity → POST in one trace, both attempts, ids as attributes, no secret anywhere', async function () {
    const db = database as NonNullable<typeof database>;
    node = await new RoleProcess('all', childEnv(db.url, apiKey, {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'continuum-test',
    })).start(180_000);
    const run = await publishAndDeliver(apiClient(node.apiUrl as string, apiKey), receiver);
    await node.stop(); // flushes what is still buffered
    const spans = collector.spans;

    const publish = spans.find((s) => s.name === 'POST /api/v1/events' && s.attributes[ATTR.eventId] === run.eventId);
    assert.ok(publish, `no publish span; spans: ${spans.map((s) => s.name).join(', ')}`);
    assert.equal(publish.parentSpanId, null, 'the publish is the root of its trace');
    assert.equal(publish.attributes[ATTR.tenantId], 'tenant_a');
    assert.equal(publish.attributes[ATTR.eventType], 'memory.created');
    assert.equal(publish.attributes[ATTR.deliveryCount], 1);
    assert.equal(await storedTraceParent(db.url, run.deliveryId), `00-${publish.traceId}-${publish.spanId}-01`);

    const [start] = childOf(spans, publish, 'StartWorkflow:deliveryWorkflowV3');
    assert.equal(start.attributes[ATTR.deliveryId], run.deliveryId);
    const [workflow] = childOf(spans, start, 'RunWorkflow:deliveryWorkflowV3');
    assert.equal(workflow.attributes[ATTR.webhookId], run.webhook.id);
    const attempts = childOf(spans, workflow, 'StartActivity:attemptDelivery');
    assert.equal(attempts.length, 2, 'the retry is in the same trace, under the same workflow run');
    const posts = attempts.map((attempt) => childOf(spans, childOf(spans, attempt, 'RunActivity:attemptDelivery')[0], 'POST webhook')[0]);
    const byAttempt = posts.sort((a, b) => Number(a.attributes[ATTR.attemptNumber]) - Number(b.attributes[ATTR.attemptNumber]));
    assert.deepEqual(byAttempt.map((p) => [p.attributes[ATTR.attemptNumber], p.attributes[ATTR.statusCode], p.statusCode]), [[1, 500, 2], [2, 200, 0]]);
    for (const post of posts) {
      assert.deepEqual(
        [post.attributes[ATTR.tenantId], post.attributes[ATTR.webhookId], post.attributes[ATTR.deliveryId], post.attributes[ATTR.eventType]],
        ['tenant_a', run.webhook.id, run.deliveryId, 'memory.created'],
      );
    }

    const exported = collector.bodies.join('\n');
    const secrets = [
      ['API key', apiKey], ['API key without its prefix', apiKey.slice(3)], ['webhook secret', run.webhook.secret],
      ['webhook secret without its prefix', run.webhook.secret.slice(4)], ['custom header value', run.headerToken], ['payload value', run.payloadValue],
      ['receiver URL', new URL(receiver.url).host],
    ];
    for (const [what, secret] of secrets) assert.equal(exported.includes(secret), false, `the ${what} appears in an exported span`);
  });
});
