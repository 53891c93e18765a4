import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { notifyBlockHolder, wakeTarget } from '../db/repositories/permitQueue';
import { acceptsDeliveries } from '../db/repositories/webhooks';
import type { EndpointControl } from '../temporal/endpointControl';

/** A burst of publishes to one endpoint wakes it at most this often (from one process). */
const MIN_WAKE_INTERVAL_MS = 50;
/** Scheduled rows due later than this are left to the sweep's timers (see wakeAt). */
const MAX_TIMER_MS = 10 * 60_000;

/**
 * Wakes endpoint workflows whose queue got rows (docs/permits.md): publish commits its rows and
 * calls enqueue, which never blocks it. Coalesced per endpoint: at most one wake in flight, and
 * the wakes asked for meanwhile go as one after it, no sooner than MIN_WAKE_INTERVAL_MS. A wake
 * is a signal-with-start, so an endpoint that ended idle (or was terminated) starts again. A
 * wake that fails changes nothing: the rows wait, and the sweep wakes their endpoint later.
 * An endpoint whose last claim filled its room (a backlog) claims again by itself as permits
 * come back: it is not woken, but by the sweep (`force`), so a burst costs it no wake per publish.
 * An endpoint that lent its permits as a block is not woken either: the block's worker is told
 * by NOTIFY, and claims the rows itself.
 */
export class EndpointWaker {
  private readonly inFlight = new Set<string>();
  private readonly again = new Set<string>();
  private readonly forced = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  /** Wakes armed for scheduled rows, by `<webhook id>@<due ms>`. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly db: Knex, private readonly endpoints: EndpointControl, private readonly log: Logger) {}

  /** These committed deliveries' endpoints have rows waiting (a scheduled one, from its deliver_at). */
  enqueue(deliveries: Array<{ webhook_id: string; deliver_at?: Date | null }>): void {
    const now = Date.now();
    const later = deliveries.filter((d) => d.deliver_at && d.deliver_at.getTime() > now);
    later.forEach((d) => this.wakeAt(d.webhook_id, d.deliver_at as Date));
    this.wake([...new Set(deliveries.filter((d) => !later.includes(d)).map((d) => d.webhook_id))]);
  }

  /**
   * Wakes the endpoint when a scheduled row comes due. In memory: should this process die, the
   * sweep of any process arms it again (it arms those due before its next pass), so the row
   * is late by a pass at most, and never lost.
   */
  wakeAt(webhookId: string, dueAt: Date): void {
    const key = `${webhookId}@${dueAt.getTime()}`;
    const waitMs = dueAt.getTime() - Date.now();
    if (this.stopped || this.timers.has(key) || waitMs > MAX_TIMER_MS) return;
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      this.wake([webhookId]);
    }, Math.max(0, waitMs)).unref());
  }

  wake(webhookIds: string[], force = false): void {
    for (const webhookId of webhookIds) {
      if (this.stopped) return;
      if (force) this.forced.add(webhookId);
      if (this.inFlight.has(webhookId)) this.again.add(webhookId);
      else this.track(this.send(webhookId));
    }
  }

  /** Waits for the wakes in flight; none is sent after. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private track(work: Promise<void>): void {
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
  }

  private async send(webhookId: string): Promise<void> {
    this.inFlight.add(webhookId);
    const startedAt = Date.now();
    try {
      const force = this.forced.delete(webhookId);
      const webhook = await wakeTarget(this.db, webhookId);
      if (!acceptsDeliveries(webhook) || (webhook.permit_backlog && !force)) return;
      // Lent as a block: its worker claims the rows, and the endpoint pays no task for them.
      if (webhook.block_lent) return await notifyBlockHolder(this.db, webhookId);
      await this.endpoints.wake({
        webhookId, tenantId: webhook.tenant_id, maxConcurrency: webhook.max_concurrency, rateLimitPerS: webhook.rate_limit_per_s,
        mirroredCircuit: webhook.circuit_state,
      });
    } catch (err) {
      this.log.debug({ err, webhookId }, 'waking the endpoint failed; the sweep wakes it later');
    } finally {
      const wait = MIN_WAKE_INTERVAL_MS - (Date.now() - startedAt);
      if (wait > 0 && this.again.has(webhookId) && !this.stopped) await new Promise((resolve) => setTimeout(resolve, wait));
      this.inFlight.delete(webhookId);
      if (this.again.delete(webhookId)) this.wake([webhookId]);
    }
  }
}
