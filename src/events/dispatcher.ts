import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { countActiveDeliveries, lockUnstartedDeliveries, markWorkflowsStarted, webhooksWithUnstartedDeliveries } from '../db/repositories/deliveries';
import { findWebhookForDelivery } from '../db/repositories/webhooks';
import type { DeliveryControl } from '../temporal/deliveryControl';
import { HIGH_PRIORITY_EVENTS } from './catalogue';
import { PeriodicPass } from './periodicPass';

export interface DispatcherOptions {
  intervalMs: number;
  /** Started deliveries of one endpoint needing a permit at once (not those waiting for a retry); the rest wait as rows. */
  activePerEndpoint: number;
  /** How soon an endpoint whose backlog was held back is looked at again. */
  recheckMs: number;
  /** The periodic pass leaves younger rows to the process that wrote them. */
  graceMs?: number;
  batchSize?: number;
  /** Endpoints being started at once. */
  concurrentEndpoints?: number;
}

type PassResult = 'done' | 'held';

/**
 * Starts the workflows of stored deliveries, behind the API, one endpoint at a time: publish
 * commits its rows, wakes their endpoints here and answers. An endpoint has at most
 * `activePerEndpoint` delivery workflows needing a permit; the rest of its backlog waits as rows and is started
 * a batch at a time as those finish. So a burst of thousands of events leaves Temporal with a
 * bounded set of open workflows per endpoint, all of them soon to run, rather than thousands
 * of first workflow tasks queued ahead of the tasks that would finish the running ones.
 * A periodic pass finds the endpoints no process is starting (Temporal was down, or the
 * process that wrote the rows died). Rows are locked while started (SKIP LOCKED), so the
 * dispatchers of several processes share a backlog.
 */
export class Dispatcher {
  private readonly periodic: PeriodicPass;
  private readonly woken = new Set<string>();
  private readonly passing = new Set<string>();
  private readonly rechecks = new Map<string, NodeJS.Timeout>();
  private stopped = false;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly db: Knex,
    private readonly deliveries: DeliveryControl,
    private readonly log: Logger,
    private readonly options: DispatcherOptions,
  ) {
    this.periodic = new PeriodicPass('dispatcher pass', options.intervalMs, async () => {
      const webhookIds = await webhooksWithUnstartedDeliveries(db, options.graceMs ?? 2000);
      this.wake(webhookIds.filter((id) => !this.passing.has(id) && !this.rechecks.has(id)));
    }, log);
  }

  start(): void {
    this.periodic.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.periodic.stop();
    this.woken.clear(); // the rows stay: the next pass, in this process or another, starts them
    this.rechecks.forEach((timer) => clearTimeout(timer));
    this.rechecks.clear();
    if (this.passing.size > 0) await new Promise<void>((resolve) => this.idle.add(resolve));
  }

  /** These committed deliveries' endpoints have rows to start (never blocks the caller). */
  enqueue(deliveries: Array<{ webhook_id: string }>): void {
    this.wake(deliveries.map((d) => d.webhook_id));
  }

  private wake(webhookIds: string[]): void {
    if (this.stopped) return;
    webhookIds.forEach((id) => this.woken.add(id));
    this.drain();
  }

  private drain(): void {
    for (const webhookId of this.woken) {
      if (this.passing.size >= (this.options.concurrentEndpoints ?? 4)) return;
      if (this.passing.has(webhookId)) continue; // woken again: passes once more after this one
      this.woken.delete(webhookId);
      this.passing.add(webhookId);
      this.startEndpoint(webhookId)
        .then((result) => {
          if (result === 'held') this.recheckLater(webhookId);
        })
        .catch((err) => {
          // Temporal or the database is away: the periodic pass's pace, not the recheck's.
          this.log.warn({ err, webhookId }, 'starting deliveries failed; will retry');
          this.recheckLater(webhookId, this.options.intervalMs);
        })
        .finally(() => {
          this.passing.delete(webhookId);
          this.drain();
          if (this.passing.size === 0) {
            this.idle.forEach((wake) => wake());
            this.idle.clear();
          }
        });
    }
  }

  private recheckLater(webhookId: string, delayMs = this.options.recheckMs): void {
    if (this.stopped || this.rechecks.has(webhookId)) return;
    this.rechecks.set(webhookId, setTimeout(() => {
      this.rechecks.delete(webhookId);
      this.wake([webhookId]);
    }, delayMs));
  }

  /** Starts this endpoint's unstarted deliveries, oldest first, while it has room for them. */
  private async startEndpoint(webhookId: string): Promise<PassResult> {
    for (;;) {
      const result = await this.startBatch(webhookId);
      if (result !== 'more') return result;
    }
  }

  /**
   * One batch in one transaction: counts the endpoint's active deliveries, locks as many
   * unstarted rows as fit, starts them and marks them. With a backlog, it waits until half
   * the room is free, so backlogs are started in batches (one admission call to the endpoint
   * workflow per batch) while the rest of the room keeps the endpoint's queue from running dry.
   */
  private async startBatch(webhookId: string): Promise<PassResult | 'more'> {
    const batchSize = this.options.batchSize ?? 200;
    const batch = await this.db.transaction(async (tx) => {
      const activeLimit = await this.activeLimit(tx, webhookId);
      const room = activeLimit - await countActiveDeliveries(tx, webhookId);
      const limit = Math.min(room, batchSize);
      if (limit <= 0) return { result: 'held' as const };
      const rows = await lockUnstartedDeliveries(tx, webhookId, limit, [...HIGH_PRIORITY_EVENTS]);
      if (rows.length === 0) return { result: 'done' as const };
      if (room < activeLimit / 2 && rows.length === limit && room < batchSize) return { result: 'held' as const };
      const { started, failures } = await this.deliveries.startAll(rows);
      await markWorkflowsStarted(tx, started);
      return { result: rows.length < limit ? 'done' as const : 'more' as const, failed: rows.length - started.length, failures };
    });
    // The ones that started are marked (committed); the others are tried again.
    if (batch.failed) throw new AggregateError(batch.failures ?? [], `${batch.failed} deliveries did not start`);
    return batch.result;
  }

  /**
   * A rate-limited webhook sends no more than its rate: deliveries started beyond two seconds
   * of it (or its max_concurrency, if more) would only wait in its endpoint's queue, and their
   * first workflow tasks, queued on the worker all at once, would delay the grants of those
   * ahead of them and so bunch their sends. The rest of its backlog waits as rows.
   */
  private async activeLimit(tx: Knex, webhookId: string): Promise<number> {
    const webhook = await findWebhookForDelivery(tx, webhookId);
    const perSecond = webhook?.rate_limit_per_s;
    if (!webhook || !perSecond) return this.options.activePerEndpoint;
    return Math.min(this.options.activePerEndpoint, Math.max(webhook.max_concurrency, 2 * perSecond));
  }
}
