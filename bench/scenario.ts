import { Receiver } from '../test/helpers/receiver';
import { apiClient, type ApiClient } from '../test/helpers/system';
import { baselinePerSecond } from './baseline';
import { billPerDelivery, historyEvents, scrapeCounters, serverWork } from './bill';
import { cpuMeter, percentile, pool } from './measure';
import type { Scenario } from './scenarios';
import type { BenchStack } from './stack';

const log = (line: string) => process.stderr.write(`${line}\n`);
const round1 = (value: number) => Math.round(value * 10) / 10;

/** Publishes every event, spread over the APIs; records when each delivery was accepted. */
async function publishAll(apis: ApiClient[], scenario: Scenario, publishedAt: Map<string, number>) {
  const started = Date.now();
  const intervalMs = scenario.ratePerS ? 1000 / scenario.ratePerS : 0;
  const publishMs: number[] = [];
  await pool(scenario.events, scenario.ratePerS ? 64 : 32, async (i) => {
    if (intervalMs) await new Promise((r) => setTimeout(r, Math.max(0, started + i * intervalMs - Date.now())));
    const at = Date.now();
    const response = await apis[i % apis.length]('POST', '/events', { event: 'memory.created', data: { memory_id: `m${i}` } });
    publishMs.push(Date.now() - at);
    if (response.status !== 202) throw new Error(`publish answered ${response.status}: ${JSON.stringify(response.body)}`);
    for (const id of response.body.delivery_ids as string[]) publishedAt.set(id, at);
  });
  publishMs.sort((a, b) => a - b);
  return { seconds: (Date.now() - started) / 1000, publishMs: { p50: percentile(publishMs, 50), p99: percentile(publishMs, 99), max: publishMs[publishMs.length - 1] ?? 0 } };
}

async function waitUntilFinal(stack: BenchStack, webhookIds: string[], total: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let lastLog = 0;
  for (;;) {
    const row = await stack.db('deliveries').whereIn('webhook_id', webhookIds).whereIn('status', ['succeeded', 'dead_lettered'])
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
  const rows: Array<{ id: string; status: string }> = await stack.db('deliveries').whereIn('webhook_id', webhookIds).select('id', 'status');
  const succeeded = rows.filter((r) => r.status === 'succeeded');
  return {
    succeeded: succeeded.length,
    received: rows.filter((r) => received.has(r.id)).length,
    deadLettered: rows.filter((r) => r.status === 'dead_lettered' && !received.has(r.id)).length,
    claimedOnly: succeeded.filter((r) => !received.has(r.id)).length,
  };
}

/**
 * Runs one scenario against the stack; `floorPerS` is the engine's floor measured in this run.
 * `lingerMs` after the end, the endpoint workflows still open are counted again (idle cost).
 */
export async function runScenario(stack: BenchStack, scenario: Scenario, timeoutMs: number, floorPerS: number, lingerMs = 0) {
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
  const apis = stack.apiUrls.map((url) => apiClient(url, stack.apiKey));
  const webhookIds: string[] = [];
  try {
    for (let i = 0; i < scenario.endpoints; i++) {
      webhookIds.push((await apis[0]('POST', '/webhooks', { url: `${receiver.url}?endpoint=${i}`, events: ['memory.created'], name: `${scenario.name}-${i}` })).body.id);
    }
    const total = scenario.events * scenario.endpoints;
    log(`${scenario.name}: ${scenario.events} events x ${scenario.endpoints} endpoints = ${total} deliveries`);
    const counters = await scrapeCounters(stack.metricsUrl);
    const cpu = cpuMeter(stack.pids);
    const started = Date.now();
    const publishedAt = new Map<string, number>();
    const published = await publishAll(apis, scenario, publishedAt);
    const final = await waitUntilFinal(stack, webhookIds, total, timeoutMs);
    const seconds = (Date.now() - started) / 1000;
    const cpuSeconds = cpu();
    const work = serverWork(counters, await scrapeCounters(stack.metricsUrl));
    const outcome = await deliveryOutcomes(stack, webhookIds, firstSuccess);
    const events = await historyEvents(stack.temporalAddress, stack.namespace, webhookIds);
    const latencies = [...firstSuccess].map(([id, at]) => at - (publishedAt.get(id) ?? at)).sort((a, b) => a - b);
    receiver.respond = (request) => (Math.random() < scenario.failureRate ? { status: 503 } : { status: 200, delayMs: scenario.receiverLatencyMs, body: request.url });
    const baseline = await baselinePerSecond(receiver.url, Math.min(total, 5000), 10 * scenario.endpoints);
    const perSecond = round1(final / seconds);
    const bill = billPerDelivery(outcome.succeeded, events, work, cpuSeconds);
    let openAfterLinger: number | null = null;
    if (lingerMs > 0) {
      log(`  waiting ${lingerMs / 1000} s, then counting the endpoint workflows still open`);
      await new Promise((r) => setTimeout(r, lingerMs));
      openAfterLinger = (await historyEvents(stack.temporalAddress, stack.namespace, webhookIds)).openEndpoints;
    }
    return {
      scenario: scenario.name,
      deliveries: total,
      completed: final,
      seconds: Math.round(seconds),
      deliveries_per_s: perSecond,
      floor_per_s: floorPerS,
      ratio_to_floor: Math.round((perSecond / floorPerS) * 100) / 100,
      accepted_per_s: Math.round(scenario.events / published.seconds),
      publish_ms: published.publishMs,
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
      bill,
      open_endpoint_workflows: events.openEndpoints,
      open_endpoint_workflows_after_linger: openAfterLinger,
      linger_s: lingerMs / 1000,
      cpu_s: Object.fromEntries(Object.entries(cpuSeconds).map(([name, s]) => [name, round1(s)])),
      rss_mb: Math.round(process.memoryUsage().rss / 1_048_576),
    };
  } finally {
    for (const id of webhookIds) await apis[0]('DELETE', `/webhooks/${id}`);
    await receiver.stop();
  }
}
