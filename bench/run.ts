import { Receiver } from '../test/helpers/receiver';
import { apiClient } from '../test/helpers/system';
import { startBenchStack } from './stack';

interface Args {
  scenario: string;
  count: number;
  latencyMs: number;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, fallback: string) => {
    const index = argv.indexOf(`--${name}`);
    return index >= 0 ? argv[index + 1] : fallback;
  };
  return { scenario: get('scenario', 'hot'), count: Number(get('count', '1000')), latencyMs: Number(get('latency', '0')) };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** One hot endpoint: how many deliveries per second one endpoint workflow sustains. */
async function hot(args: Args) {
  const stack = await startBenchStack();
  const receiver = await new Receiver().start();
  receiver.respond = () => ({ status: 200, delayMs: args.latencyMs || undefined });
  try {
    const api = apiClient(stack.system.apiUrl as string, stack.apiKey);
    const webhook = await api('POST', '/webhooks', { url: receiver.url, events: ['memory.created'], name: 'bench' });
    const started = Date.now();
    const publishedAt = new Map<string, number>();
    const batch = 50;
    for (let i = 0; i < args.count; i += batch) {
      const responses = await Promise.all(Array.from({ length: Math.min(batch, args.count - i) }, () =>
        api('POST', '/events', { event: 'memory.created', data: { memory_id: `m${i}` } })));
      for (const r of responses) publishedAt.set(r.body.delivery_ids[0], Date.now());
    }
    const acceptedS = (Date.now() - started) / 1000;
    const deadline = Date.now() + 600_000;
    let lastLog = 0;
    while (new Set(receiver.requests.map((r) => r.headers['x-continuum-delivery'])).size < args.count) {
      if (Date.now() > deadline) throw new Error('bench timed out');
      if (Date.now() - lastLog > 2000) {
        process.stderr.write(`  delivered ${receiver.requests.length}/${args.count}\n`);
        lastLog = Date.now();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const totalS = (Date.now() - started) / 1000;
    const latencies = receiver.requests.map((r) => r.at - (publishedAt.get(r.headers['x-continuum-delivery'] as string) ?? r.at)).sort((a, b) => a - b);
    return {
      scenario: 'hot',
      deliveries: args.count,
      receiver_latency_ms: args.latencyMs,
      accepted_per_s: Math.round(args.count / acceptedS),
      deliveries_per_s: Math.round(args.count / totalS),
      max_in_flight: receiver.maxInFlight,
      duplicates: receiver.requests.length - args.count,
      latency_ms: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99) },
      webhook_id: webhook.body.id,
    };
  } finally {
    await receiver.stop();
    await stack.stop();
  }
}

export async function run(argv = process.argv.slice(2)): Promise<void> {
  const args = parseArgs(argv);
  const result = await hot(args);
  process.stdout.write(`${JSON.stringify({ scenarios: [result] }, null, 2)}\n`);
}

if (require.main === module) {
  run().then(() => process.exit(0), (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
