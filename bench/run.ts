import { Receiver } from '../test/helpers/receiver';
import { apiClient, type ApiClient } from '../test/helpers/system';
import { baselinePerSecond } from './baseline';
import { cpuMeter, percentile, pool } from './measure';
import { scenarios, type Scenario } from './scenarios';
import { startBenchStack, type BenchStack } from './stack';

const arg = (argv: string[], name: string, fallback: string) => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : fallback;
};
const log = (line: string) => process.stderr.write(`${line}\n`);

async function publishAll(api: ApiClient, scenario: Scenario, publishedAt: Map<string, number>): Promise<number> {
  const started = Date.now();
  const intervalMs = scenario.ratePerS ? 1000 / scenario.ratePerS : 0;
  await pool(scenario.events, scenario.ratePerS ? 64 : 32, async (i) => {
    if (intervalMs) await new Promise((r) => setTimeout(r, Math.max(0, started + i * intervalMs - Date.now())));
    const at = Date.now();
    const response = await api('POST', '/events', { event: 'memory.created', data: { memory_id: `m${i}` } });
    if (response.status !== 202) throw new Error(`publish answered ${response.status}: ${JSON.stringify(response.body)}`);
    for (const id of response.body.delivery_ids as string[]) publishedAt.set(id, at);
  });
  return (Date.now() - started) / 1000;
}

async function waitUntilFinal(stack: BenchStack, webhookIds: string[], total: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let lastLog = 0;
  for (;;) {
    const row = await stack.system.db('deliveries').whereIn('webhook_id', webhookIds).whereIn('status', ['succeeded', 'dead_lettered'])
      .count<{ n: string }[]>('* as n').first();
    const done = Number(row?.n ?? 0);
    if (done >= total || Date.now() > deadline) return done;
    if (Date.now() - lastLog > 3000) {
      log(`  ${done}/${total} final`);
      lastLog = Date.now();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Final states from the database, checked against what the receiver actually got. */
async function deliveryOutcomes(stack: BenchStack, webhookIds: string[], received: Map<string, number>) {
  const rows: Array<{ id: string; status: string }> = await stack.system.db('deliveries').whereIn('webhook_id', webhookIds).select('id', 'status');
  const succeeded = rows.filter((r) => r.status === 'succeeded');
  return {
    received: rows.filter((r) => received.has(r.id)).length,
    deadLettered: rows.filter((r) => r.status === 'dead_lettered' && !received.has(r.id)).length,
    claimedOnly: succeeded.filter((r) => !received.has(r.id)).length,
  };
}

async function runScenario(stack: BenchStack, scenario: Scenario, timeoutMs: number) {
  const receiver = await new Receiver().start();
  const firstSuccess = new Map<string, number>();
  let successes = 0;
  receiver.respond = (request) => {
    if (Math.random() < scenario.failureRate) return { status: 503, delayMs: scenario.receiverLatencyMs };
    const id = request.headers['x-continuum-delivery'] as string;
    successes++;
    if (!firstSuccess.has(id)) firstSuccess.set(id, request.at);
    return { status: 200, delayMs: scenario.receiverLatencyMs };
  };
  const api = apiClient(stack.system.apiUrl as string, stack.apiKey);
  const webhookIds: string[] = [];
  try {
    for (let i = 0; i < scenario.endpoints; i++) {
      webhookIds.push((await api('POST', '/webhooks', { url: `${receiver.url}?endpoint=${i}`, events: ['memory.created'], name: `${scenario.name}-${i}` })).body.id);
    }
    const total = scenario.events * scenario.endpoints;
    log(`${scenario.name}: ${scenario.events} events x ${scenario.endpoints} endpoints = ${total} deliveries`);
    const cpu = cpuMeter(stack.otherPids);
    const started = Date.now();
    const publishedAt = new Map<string, number>();
    const publishSeconds = await publishAll(api, scenario, publishedAt);
    const final = await waitUntilFinal(stack, webhookIds, total, timeoutMs);
    const seconds = (Date.now() - started) / 1000;
    const usage = cpu();
    const outcome = await deliveryOutcomes(stack, webhookIds, firstSuccess);
    const latencies = [...firstSuccess].map(([id, at]) => at - (publishedAt.get(id) ?? at)).sort((a, b) => a - b);
    receiver.respond = (request) => (Math.random() < scenario.failureRate ? { status: 503 } : { status: 200, delayMs: scenario.receiverLatencyMs, body: request.url });
    const baseline = await baselinePerSecond(receiver.url, Math.min(total, 5000), 10 * scenario.endpoints);
    const perSecond = Math.round((final / seconds) * 10) / 10;
    return {
      scenario: scenario.name,
      deliveries: total,
      completed: final,
      seconds: Math.round(seconds),
      deliveries_per_s: perSecond,
      accepted_per_s: Math.round(scenario.events / publishSeconds),
      latency_ms: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
      // Lost: neither received (a 2xx seen by the receiver) nor dead-lettered after its last
      // attempt. A 20 % failure rate dead-letters a delivery now and then (0.2^6 per delivery).
      lost: total - outcome.received - outcome.deadLettered,
      dead_lettered: outcome.deadLettered,
      succeeded_but_not_received: outcome.claimedOnly,
      duplicates: successes - firstSuccess.size,
      max_in_flight_at_receiver: receiver.maxInFlight,
      baseline_per_s: baseline,
      ratio_to_baseline: Math.round((perSecond / baseline) * 1000) / 1000,
      ...usage,
    };
  } finally {
    for (const id of webhookIds) await api('DELETE', `/webhooks/${id}`);
    await receiver.stop();
  }
}

/** npm run bench -- [--scenario fanout|hot|failing|steady|all] [--scale 1] [--rate 50] [--timeout-s 900] */
export async function run(argv = process.argv.slice(2)): Promise<void> {
  const name = arg(argv, 'scenario', 'all');
  const scale = Number(arg(argv, 'scale', '1'));
  const timeoutMs = Number(arg(argv, 'timeout-s', '900')) * 1000;
  const rate = Number(arg(argv, 'rate', '50'));
  const chosen = scenarios(scale, rate).filter((s) => name === 'all' || s.name === name);
  if (chosen.length === 0 || !(scale > 0) || !(rate > 0)) {
    throw new Error('usage: --scenario fanout|hot|failing|steady|all [--scale f] [--rate events/s for steady] [--timeout-s n]');
  }
  // Millisecond retries and a short open circuit keep the failing scenario bounded in time.
  const stack = await startBenchStack({ CONTINUUM_RETRY_SCHEDULE: '100ms,200ms,400ms,800ms,1600ms', CONTINUUM_CIRCUIT_OPEN_DURATION: '1s' });
  const results = [];
  try {
    for (const scenario of chosen) results.push(await runScenario(stack, scenario, timeoutMs));
  } finally {
    await stack.stop();
  }
  process.stdout.write(`${JSON.stringify({ scale, scenarios: results })}\n`);
}

if (require.main === module) {
  run().then(() => process.exit(0), (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
