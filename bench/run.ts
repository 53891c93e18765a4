import { measureFloor } from './ceiling/floor';
import { runScenario } from './scenario';
import { scenarios } from './scenarios';
import { startBenchStack, type Engine } from './stack';

const arg = (argv: string[], name: string, fallback: string) => {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 ? argv[index + 1] : fallback;
};
const log = (line: string) => process.stderr.write(`${line}\n`);

const USAGE = 'usage: --scenario fanout|hot|failing|steady|fifo|filtered|unfiltered|wide|all (or several, comma-separated) [--scale f] [--rate events/s for steady] [--timeout-s n] [--linger-s n]'
  + ' [--engine dev|server] [--workers N --apis M (separate processes; 0 0 = one process)] [--floor-count n] [--tracing]';

/** npm run bench -- [--scenario all] [--scale 1] [--rate 50] [--engine dev] [--workers 0 --apis 0] [--linger-s 0] [--tracing] */
export async function run(argv = process.argv.slice(2)): Promise<void> {
  const name = arg(argv, 'scenario', 'all');
  const scale = Number(arg(argv, 'scale', '1'));
  const timeoutMs = Number(arg(argv, 'timeout-s', '900')) * 1000;
  const lingerMs = Number(arg(argv, 'linger-s', '0')) * 1000;
  const rate = Number(arg(argv, 'rate', '50'));
  const engine = arg(argv, 'engine', 'dev') as Engine;
  const workers = Number(arg(argv, 'workers', '0'));
  const apis = Number(arg(argv, 'apis', '0'));
  const tracing = argv.includes('--tracing');
  // 1 000 at every scale: fewer are started and finished before the engine reaches its pace, and
  // read low (300 gave a floor below what the deliveries then did on the same engine).
  const floorCount = Number(arg(argv, 'floor-count', '1000'));
  const chosen = scenarios(scale, rate).filter((s) => name === 'all' || name.split(',').includes(s.name));
  const counts = [workers, apis, floorCount, lingerMs].every((n) => Number.isInteger(n) && n >= 0);
  if (chosen.length === 0 || !(scale > 0) || !(rate > 0) || !['dev', 'server'].includes(engine) || !counts || floorCount < 1) throw new Error(USAGE);
  // Millisecond retries and a short open circuit keep the failing scenario bounded in time.
  const stack = await startBenchStack({ engine, workers, apis, tracing }, { CONTINUUM_RETRY_SCHEDULE: '100ms,200ms,400ms,800ms,1600ms', CONTINUUM_CIRCUIT_OPEN_DURATION: '1s' });
  const results = [];
  let floor;
  try {
    // The floor on this engine, in this run: workflows with one local activity, started the way
    // our deliveries are (eagerly when the API shares the worker's process).
    floor = await measureFloor({ address: stack.temporalAddress, namespace: stack.namespace, count: floorCount, eager: stack.inProcess });
    log(`floor: ${floor.per_s} workflows/s (${floor.count} with one local activity)`);
    for (const scenario of chosen) {
      const spansBefore = stack.spans();
      const result = await runScenario(stack, scenario, timeoutMs, floor.per_s, lingerMs);
      const spans = spansBefore === null ? null : (stack.spans() ?? 0) - spansBefore;
      // Spans received by the scenario's end (the last export may come after it: a lower bound).
      results.push(spans === null ? result : { ...result, spans, spans_per_delivery: Math.round((spans / Math.max(1, result.completed)) * 10) / 10 });
    }
  } finally {
    await stack.stop();
  }
  process.stdout.write(`${JSON.stringify({ scale, engine, workers, apis, tracing, floor, scenarios: results })}\n`);
}

if (require.main === module) {
  run().then(() => process.exit(0), (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
