import { Receiver } from '../test/helpers/receiver';
import { apiClient, type ApiClient } from '../test/helpers/system';
import { baselinePerSecond } from './baseline';
import { billPerDelivery, historyEvents, scrapeCounters, serverWork } from './bill';
import { cpuMeter, percentile, pool } from './measure';
import { ReceiptLog } from './order';
import type { Scenario } from './scenarios';
import type { BenchStack } from './stack';

const log = (line: string) => process.stderr.write(`${line}\n`);
const round1 = (value: number) => Math.round(value * 10) / 10;

/** The delivery ids of each ordering key's events, in the order they were published. */
type PublishedByKey = Map<string, string[][]>;

/**
 * Publishes every event, spread over the APIs; records when each delivery was published and
 * when it was accepted. On a fifo scenario each key's events go one after the other (the next
 * once the previous was accepted), the keys side by side, so that each line's order is the
 * order of publishing; `byKey` gets each key's delivery ids in that order.
 */
async function publishAll(apis: ApiClient[], scenario: Scenario, publishedAt: Map<string, number>, acceptedAt: Map<string, number>, byKey: PublishedByKey) {
  const started = Date.now();
  const intervalMs = scenario.ratePerS ? 1000 / scenario.ratePerS : 0;
  const publishMs: number[] = [];
  const publishOne = async (i: number) => {
    if (intervalMs) await new Promise((r) => setTimeout(r, Math.max(0, started + i * intervalMs - Date.now())));
    const key = scenario.fifo ? `k${i % scenario.fifo.orderingKeys}` : undefined;
    const at = Date.now();
    const response = await apis[i % apis.length]('POST', '/events', { event: 'memory.created', data: { memory_id: `m${i}`, ...(scenario.filtered ? { shard: i % scenario.endpoints } : {}) }, ...(key ? { ordering_key: key } : {}) });
    const accepted = Date.now();
    publishMs.push(accepted - at);
    if (response.status !== 202) throw new Error(`publish answered ${response.status}: ${JSON.stringify(response.body)}`);
    const ids = response.body.delivery_ids as string[];
    for (const id of ids) {
      publishedAt.set(id, at);
      acceptedAt.set(id, accepted);
    }
    if (key) byKey.set(key, [...(byKey.get(key) ?? []), ids]);
  };
  const keys = scenario.fifo?.orderingKeys;
  if (keys) {
    await pool(Math.min(keys, scenario.events), keys, async (k) => {
      for (let i = k; i < scenario.events; i += keys) await publishOne(i);
    });
  } else {
    await pool(scenario.events, scenario.ratePerS ? 64 : 32, publishOne);
  }
  publishMs.sort((a, b) => a - b);
  return { seconds: (Date.now() - started) / 1000, publishMs: { p50: percentile(publishMs, 50), p99: percentile(publishMs, 99), max: publishMs[publishMs.length - 1] ?? 0 } };
}

/**
 * The lines of a fifo scenario (webhook and key), each delivery id in publish order, and the
 * receiver's verdict on them. Also what the database says: each delivery's ordering_key is
 * the one published, and its ordering_seq rises along the line (`seq_against_publish_order`
 * counts the pairs where it does not: the server's line order differs from publishing's).
 */
async function checkOrder(stack: BenchStack, webhookIds: string[], byKey: PublishedByKey, receipts: ReceiptLog, acceptedAt: Map<string, number>) {
  const rows: Array<{ id: string; webhook_id: string; ordering_key: string | null; ordering_seq: string | number | null }> = await stack.db('deliveries')
    .whereIn('webhook_id', webhookIds).select('id', 'webhook_id', 'ordering_key', 'ordering_seq');
  const byId = new Map(rows.map((row) => [row.id, row]));
  const lines = new Map<string, string[]>();
  let wrongKey = 0;
  let noSeq = 0;
  for (const [key, events] of byKey) {
    for (const ids of events) {
      for (const id of ids) {
        const row = byId.get(id);
        if (!row) throw new Error(`delivery ${id} is not in the database`);
        if (row.ordering_key !== key) wrongKey++;
        if (row.ordering_seq === null) noSeq++;
        const line = `${row.webhook_id}|${key}`;
        lines.set(line, [...(lines.get(line) ?? []), id]);
      }
    }
  }
  let seqAgainstPublish = 0;
  for (const line of lines.values()) {
    for (let i = 1; i < line.length; i++) {
      const ahead = byId.get(line[i - 1])?.ordering_seq;
      const behind = byId.get(line[i])?.ordering_seq;
      if (ahead != null && behind != null && BigInt(behind) <= BigInt(ahead)) seqAgainstPublish++;
    }
  }
  return { ...receipts.checkLines([...lines.values()], acceptedAt), wrong_ordering_key: wrongKey, without_ordering_seq: noSeq, seq_against_publish_order: seqAgainstPublish };
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
  const receipts = new ReceiptLog();
  let successes = 0;
  receiver.respond = (request) => {
    const id = request.headers['x-continuum-delivery'] as string;
    const endpoint = new URL(request.url, 'http://receiver').searchParams.get('endpoint') ?? '';
    receipts.received(id, endpoint);
    const ok = !(Math.random() < scenario.failureRate);
    if (ok) {
      successes++;
      if (!firstSuccess.has(id)) firstSuccess.set(id, request.at);
    }
    // The wait is the receiver's latency; the answer is written right after `answered`.
    const answered = new Promise((r) => setTimeout(r, scenario.receiverLatencyMs)).then(() => receipts.answered(id, endpoint, ok));
    return { status: ok ? 200 : 503, until: answered };
  };
  const apis = stack.apiUrls.map((url) => apiClient(url, stack.apiKey));
  const webhookIds: string[] = [];
  try {
    for (let i = 0; i < scenario.endpoints; i++) {
      webhookIds.push((await apis[0]('POST', '/webhooks', {
        url: `${receiver.url}?endpoint=${i}`, events: ['memory.created'], name: `${scenario.name}-${i}`, ...(scenario.fifo ? { ordering: 'fifo' } : {}),
        // Each event meets exactly one webhook's filter: as many deliveries as events.
        ...(scenario.filtered ? { filter: { event: 'memory.created', 'data.shard': { $eq: i } } } : {}),
      })).body.id);
    }
    const total = scenario.filtered ? scenario.events : scenario.events * scenario.endpoints;
    log(`${scenario.name}: ${scenario.events} events x ${scenario.endpoints} endpoints = ${total} deliveries`);
    const counters = await scrapeCounters(stack.metricsUrl);
    const cpu = cpuMeter(stack.pids);
    const started = Date.now();
    const publishedAt = new Map<string, number>();
    const acceptedAt = new Map<string, number>();
    const byKey: PublishedByKey = new Map();
    const published = await publishAll(apis, scenario, publishedAt, acceptedAt, byKey);
    const final = await waitUntilFinal(stack, webhookIds, total, timeoutMs);
    const seconds = (Date.now() - started) / 1000;
    const cpuSeconds = cpu();
    const work = serverWork(counters, await scrapeCounters(stack.metricsUrl));
    const outcome = await deliveryOutcomes(stack, webhookIds, firstSuccess);
    const events = await historyEvents(stack.temporalAddress, stack.namespace, webhookIds);
    const order = scenario.fifo ? await checkOrder(stack, webhookIds, byKey, receipts, acceptedAt) : null;
    if (order) log(`  order: ${order.order_violations} violations over ${order.pairs_checked} pairs in ${order.lines} lines (${order.unchecked_pairs} unchecked)`);
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
      max_in_flight_per_endpoint: receipts.inFlightPerEndpoint(),
      ...(order ? { order_violations: order.order_violations, order } : {}),
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
