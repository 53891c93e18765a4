// A live upgrade from the previous release (docs/permits.md, "Upgrades"), run by hand:
//   node dist/bench/upgrade.js <the previous release's tree, built (npm ci && npx tsc -p .)> [--kill]
// It starts the previous release (`main.js all`) on a dev server and an embedded Postgres,
// leaves deliveries waiting for the gate, in flight, retrying and behind an open circuit, stops
// it (SIGTERM, as a rolling upgrade does; SIGKILL with --kill), starts this build on the same
// Temporal and database, and reports whether all of them finish, the limit held at each
// receiver, and when the open circuit's probe came. Prints one JSON object; exits 1 when a
// check fails.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createDb } from '../src/db/knex';
import { FINAL_STATUSES } from '../src/db/types';
import { freePort, startDevServer } from '../src/temporal/devServer';
import { generateApiKey } from '../src/security/apiKeys';
import { Receiver, type ReceivedRequest } from '../test/helpers/receiver';
import { apiClient } from '../test/helpers/system';
import { eventually } from '../test/helpers/wait';
import { RoleProcess } from '../test/helpers/workerProcess';
import { embeddedPostgres } from './stack';

const OPEN_MS = 20_000;
const deliveryOf = (r: ReceivedRequest) => r.headers['x-continuum-delivery'] as string;

interface Case { name: string; limit: number; count: number; receiver: Receiver; webhookId?: string; ids: string[]; answered2xx: Map<string, number> }

async function main(): Promise<void> {
  const previous = process.argv[2];
  if (!previous) throw new Error('usage: node dist/bench/upgrade.js <previous release tree, built> [--kill]');
  const kill = process.argv.includes('--kill');
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const pg = await embeddedPostgres(stops, 'upgrade-pg-');
    const temporal = await startDevServer({ port: await freePort(), uiPort: null });
    stops.push(() => temporal.stop());
    const apiKey = generateApiKey();
    const env: Record<string, string> = {
      PORT: '0', DATABASE_URL: pg.url, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_TASK_QUEUE: 'upgrade',
      CONTINUUM_BOOTSTRAP_TENANT: 'tenant_a', CONTINUUM_BOOTSTRAP_API_KEY: apiKey, CONTINUUM_SECRET_KEY: randomBytes(32).toString('base64'),
      CONTINUUM_ALLOW_HTTP: 'true', CONTINUUM_ALLOW_PRIVATE_TARGETS: 'true', LOG_LEVEL: 'warn',
      CONTINUUM_RETRY_SCHEDULE: '4s,4s,4s,4s,4s', CONTINUUM_CIRCUIT_OPEN_DURATION: `${OPEN_MS}ms`,
      CONTINUUM_DELIVERY_TIMEOUT: '15s', CONTINUUM_DISPATCH_INTERVAL: '500ms',
    };
    let phase: 'previous' | 'current' = 'previous';
    const cases: Case[] = [];
    const addCase = async (name: string, limit: number, count: number, respond: Receiver['respond']) => {
      const receiver = await new Receiver().start();
      stops.push(() => receiver.stop());
      const answered2xx = new Map<string, number>();
      receiver.respond = (req, index) => {
        const reply = respond(req, index);
        if (reply.status < 300) answered2xx.set(deliveryOf(req), (answered2xx.get(deliveryOf(req)) ?? 0) + 1);
        return reply;
      };
      cases.push({ name, limit, count, receiver, ids: [], answered2xx });
    };
    // In flight across the stop: answered in 8 s by the previous release, longer than its stop's grace.
    await addCase('in_flight_and_waiting', 2, 30, () => ({ status: 200, delayMs: phase === 'previous' ? 8000 : 200 }));
    const failedOnce = new Set<string>();
    await addCase('retrying', 10, 10, (req) => (failedOnce.has(deliveryOf(req)) ? { status: 200 } : (failedOnce.add(deliveryOf(req)), { status: 500 })));
    await addCase('circuit_open', 10, 8, () => ({ status: phase === 'previous' ? 500 : 200 }));

    const old = await new RoleProcess('all', env, path.resolve(previous, 'dist/src/main.js')).start(120_000);
    stops.push(() => old.kill());
    const oldApi = apiClient(old.apiUrl as string, apiKey);
    for (const [i, c] of cases.entries()) {
      const event = ['memory.created', 'memory.updated', 'memory.deleted'][i];
      const created = await oldApi('POST', '/webhooks', { url: c.receiver.url, events: [event], max_concurrency: c.limit, name: c.name });
      if (created.status !== 201) throw new Error(`webhook: ${created.status} ${JSON.stringify(created.body)}`);
      c.webhookId = created.body.id;
      for (let n = 0; n < c.count; n++) {
        const published = await oldApi('POST', '/events', { event, data: { memory_id: `mem_${n}`, user_id: 'user_1' } });
        c.ids.push(...(published.body.delivery_ids as string[]));
      }
    }
    const [inFlight, retrying, open] = cases;
    const circuitOf = async (api: typeof oldApi) => (await api('GET', `/webhooks/${open.webhookId}`)).body.circuit;
    let seen = { in_flight: 0, retried: 0, circuit: '' };
    await eventually('the previous release has attempts in flight, retries waiting and a circuit open', async () => {
      seen = { in_flight: inFlight.receiver.inFlight, retried: new Set(retrying.receiver.requests.map(deliveryOf)).size, circuit: (await circuitOf(oldApi)).state };
      return seen.in_flight === inFlight.limit && seen.retried === retrying.count && seen.circuit === 'open';
    }, 120_000).catch((err: Error) => {
      throw new Error(`${err.message} (last seen: ${JSON.stringify(seen)})`);
    });
    const circuitBefore = await circuitOf(oldApi);

    const stoppedAt = Date.now();
    phase = 'current';
    const inFlightAtStop = inFlight.receiver.inFlight;
    await (kill ? old.kill() : old.stop());
    const current = await new RoleProcess('all', env).start(120_000);
    stops.push(() => current.stop());
    const startedAt = Date.now();
    const db = createDb(pg.url, 1);
    stops.push(() => db.destroy());
    const allIds = cases.flatMap((c) => c.ids);
    await eventually('every delivery is final', async () =>
      Number((await db('deliveries').whereIn('id', allIds).whereIn('status', [...FINAL_STATUSES]).count<{ count: string }[]>('* as count'))[0].count) === allIds.length, 300_000);

    const openedAt = Date.parse(circuitBefore.opened_at);
    const probe = open.receiver.requests.find((r) => r.at > stoppedAt);
    const report = {
      upgrade: { previous_stopped_by: kill ? 'SIGKILL' : 'SIGTERM', in_flight_at_stop: inFlightAtStop, stopped_previous_ms: startedAt - stoppedAt, circuit_opened_before_upgrade_ms: stoppedAt - openedAt },
      cases: await Promise.all(cases.map(async (c) => {
        const rows = await db('deliveries').whereIn('id', c.ids).select('status');
        return {
          name: c.name, deliveries: c.ids.length, limit: c.limit, max_in_flight: c.receiver.maxInFlight,
          succeeded: rows.filter((r) => r.status === 'succeeded').length,
          lost: c.ids.filter((id) => !c.answered2xx.has(id)).length,
          duplicates: [...c.answered2xx.values()].reduce((n, k) => n + k - 1, 0),
          requests: c.receiver.requests.length,
          // Each delivery answered 2xx more than once: its attempts as recorded, to see why.
          repeated: await Promise.all([...c.answered2xx].filter(([, k]) => k > 1).map(async ([id]) => ({
            id, attempts: await db('delivery_attempts').where({ delivery_id: id }).orderBy('started_at')
              .select('attempt_number', 'status_code', 'trigger', 'lease_id', 'started_at'),
          }))),
        };
      })),
      circuit: { open_ms: OPEN_MS, probe_after_opening_ms: probe ? probe.at - openedAt : null, probe_late_ms: probe ? probe.at - openedAt - OPEN_MS : null },
    };
    console.log(JSON.stringify(report, null, 2));
    const failed = report.cases.some((c) => c.succeeded !== c.deliveries || c.lost > 0 || c.max_in_flight > c.limit);
    process.exitCode = failed ? 1 : 0;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
