import type { Knex } from 'knex';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { countOpenCircuits, countByStatus, queueStats } from './db/repositories/health';
import { withDeadline } from './infra/deadline';
import type { DependencyMonitor } from './infra/dependencyMonitor';

/** A scrape waits at most this long for each figure read from Postgres. */
const DATABASE_GAUGE_BUDGET_MS = 300;

/** prom-client calls `collect` with the gauge as `this`; this hands it over as an argument. */
function gaugeCollector<L extends string>(make: (gauge: Gauge<L>) => () => Promise<void>) {
  return function (this: Gauge<L>) {
    return make(this)();
  };
}

/** Prometheus metrics of one process; one registry, shared by its API and its worker. */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'continuum_http_request_duration_seconds',
    help: 'API request durations',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly attempts = new Counter({
    name: 'continuum_delivery_attempts_total',
    help: 'HTTP delivery attempts by outcome (success, failure)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly permitsRateDelayed = new Counter({
    name: 'continuum_permits_rate_delayed_total',
    help: 'Claims that left deliveries waiting for a webhook\'s rate limit (rate_limit_per_s) to give its next token',
    registers: [this.registry],
  });
  readonly attemptDuration = new Histogram({
    name: 'continuum_delivery_attempt_duration_seconds',
    help: 'Duration of one HTTP delivery attempt',
    labelNames: ['outcome'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly prunedRows = new Counter({
    name: 'continuum_pruned_rows_total',
    help: 'History rows deleted past the retention period, by table',
    labelNames: ['table'],
    registers: [this.registry],
  });
  readonly recoveriesStarted = new Counter({
    name: 'continuum_recoveries_started_total',
    help: 'Bulk recoveries asked for (POST /webhooks/{id}/recover, the recover command)',
    registers: [this.registry],
  });
  readonly recoveriesFinished = new Counter({
    name: 'continuum_recoveries_finished_total',
    help: 'Bulk recoveries ended, by status (completed, cancelled: webhook deactivated or deleted)',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly recoveryDeliveries = new Counter({
    name: 'continuum_recovery_deliveries_total',
    help: 'Deliveries re-attempted by bulk recoveries: started, and how those ended (succeeded, failed)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly redeliveries = new Counter({
    name: 'continuum_redeliveries_total',
    help: 'New deliveries created by POST /events/{id}/redeliver',
    registers: [this.registry],
  });
  readonly operationalEvents = new Counter({
    name: 'continuum_operational_events_total',
    help: 'Operational events emitted (webhook.circuit_opened, webhook.circuit_closed, webhook.disabled, delivery.dead_lettered), by type',
    labelNames: ['type'],
    registers: [this.registry],
  });
  readonly webhooksAutoDisabled = new Counter({
    name: 'continuum_webhooks_auto_disabled_total',
    help: 'Webhooks disabled because their circuit had not closed for CONTINUUM_AUTO_DISABLE_AFTER',
    registers: [this.registry],
  });
  readonly portalSessions = new Counter({
    name: 'continuum_portal_sessions_total',
    help: 'Portal sessions created and revoked',
    labelNames: ['action'],
    registers: [this.registry],
  });
  readonly portalTokensRefused = new Counter({
    name: 'continuum_portal_tokens_refused_total',
    help: 'Requests refused for their portal token (invalid, expired, revoked)',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'continuum_process_' });
  }

  /**
   * Gauges read from Postgres at scrape time, so every API process reports the same truth;
   * and each dependency's state. While Postgres is away, or slower than a scrape should wait,
   * the last values read stand, so /metrics still answers during an outage.
   */
  watchDependencies(db: Knex, monitor: DependencyMonitor): void {
    const fromDatabase = <T>(read: () => Promise<T>, apply: (value: T) => void) => async () => {
      if (monitor.snapshot().database?.up === false) return;
      const value = await withDeadline(read().catch(() => null), DATABASE_GAUGE_BUDGET_MS, null);
      if (value !== null) apply(value);
    };
    new Gauge({
      name: 'continuum_deliveries', help: 'Deliveries by status', labelNames: ['status'], registers: [this.registry],
      collect: gaugeCollector((gauge) => fromDatabase(() => countByStatus(db), (rows) => {
        gauge.reset();
        for (const { status, n } of rows) gauge.set({ status }, n);
      })),
    });
    new Gauge({
      name: 'continuum_queue_depth', help: 'Deliveries not yet final', registers: [this.registry],
      collect: gaugeCollector((gauge) => fromDatabase(() => queueStats(db), (queue) => gauge.set(queue.queueDepth))),
    });
    new Gauge({
      name: 'continuum_open_circuits', help: 'Webhooks whose circuit is open or half-open', registers: [this.registry],
      collect: gaugeCollector((gauge) => fromDatabase(() => countOpenCircuits(db), (n) => gauge.set(n))),
    });
    new Gauge({
      name: 'continuum_dependency_up', help: 'Whether Postgres (database) and Temporal answer the background checks', labelNames: ['dependency'],
      registers: [this.registry],
      collect() {
        for (const [dependency, state] of Object.entries(monitor.snapshot())) this.set({ dependency }, state.up ? 1 : 0);
      },
    });
  }

  observeAttempt(success: boolean, durationMs: number): void {
    const outcome = success ? 'success' : 'failure';
    this.attempts.inc({ outcome });
    this.attemptDuration.observe({ outcome }, durationMs / 1000);
  }
}
