import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startDevServer } from '../../src/temporal/devServer';
import { measureFloor } from './floor';

/**
 * The ceiling: workflows per second this machine's Temporal server completes for the
 * smallest shapes (no work, one activity, one local activity), `count` of each at once,
 * started normally and eagerly, counted where they complete (see measureFloor).
 * TEMPORAL_ADDRESS when set, else a dev server of its own.
 */
export async function run(count = Number(process.argv[2] ?? 500)): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = process.env.TEMPORAL_ADDRESS ? null : await startDevServer({ uiPort: null });
  const address = process.env.TEMPORAL_ADDRESS ?? (server?.address as string);
  const results: Record<string, number> = {};
  try {
    for (const workflowType of ['emptyWorkflow', 'oneActivityWorkflow', 'oneLocalActivityWorkflow']) {
      for (const eager of [false, true]) {
        const name = `${workflowType}${eager ? '_eager' : ''}_per_s`;
        results[name] = (await measureFloor({ address, count, eager, workflowType })).per_s;
        process.stderr.write(`${name}: ${results[name]}\n`);
      }
    }
  } finally {
    await server?.stop();
  }
  process.stdout.write(`${JSON.stringify({ ceiling: results, count })}\n`);
}

if (require.main === module) {
  run().then(() => process.exit(0), (err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  });
}
