import type { Knex } from 'knex';
import { recordCircuit } from '../db/repositories/circuits';
import { findSubscribers } from '../db/repositories/webhooks';
import { matchingFilter } from './filters';
import type { Metrics } from '../metrics';
import type { NewDelivery } from '../db/repositories/deliveries';
import { findDeadLetter } from '../db/repositories/deadLetters';
import type { CircuitMirrorState, OperationalNotice } from './operationalData';
import { circuitNotice, deadLetterNotice, reportsDeadLetter } from './operationalData';
import { storeDeliveries, storeEvent } from './store';

export interface OperationalDeps {
  db: Knex;
  /** Wakes the endpoints of committed deliveries (the process's EndpointWaker; the sweep wakes any left behind). */
  startQueue: { enqueue(deliveries: Array<{ webhook_id: string }>): void };
  metrics?: Metrics;
  /** Consecutive failures that open a circuit, reported in `webhook.circuit_opened`. */
  failureThreshold: number;
  now?: () => number;
}

/** An operational event stored with its deliveries, to hand to the start queue after commit. */
export interface StoredNotice {
  type: OperationalNotice['type'];
  deliveries: NewDelivery[];
}

/**
 * Emits operational events: stored with their deliveries in the caller's transaction (with the
 * change they report, so neither commits without the other) through the normal delivery path, to
 * the tenant's active webhooks subscribed to the type, never to the webhook they are about. Each
 * carries an idempotency key, so an activity retried after its commit stores nothing twice.
 */
export class OperationalEvents {
  constructor(private readonly deps: OperationalDeps) {}

  private now(): Date {
    return new Date((this.deps.now ?? Date.now)());
  }

  /**
   * Stores the notice and its deliveries in `tx`; null when nobody subscribes (nothing is kept:
   * an outage's thousands of dead letters cost no rows for a tenant not listening) or when it
   * was stored before (same key).
   */
  async store(tx: Knex.Transaction, notice: OperationalNotice): Promise<StoredNotice | null> {
    const subscribers = matchingFilter(await findSubscribers(tx, notice.tenantId, notice.type, notice.aboutWebhookId), { event: notice.type, data: notice.data });
    if (subscribers.length === 0) return null;
    const event = await storeEvent(tx, {
      tenantId: notice.tenantId, type: notice.type, dataJson: JSON.stringify(notice.data), idempotencyKey: notice.key, createdAt: this.now(),
    });
    if (!event) return null;
    return { type: notice.type, deliveries: await storeDeliveries(tx, event, subscribers) };
  }

  /** After commit: counts the stored notices and starts their deliveries. */
  started(notices: Array<StoredNotice | null>): void {
    for (const notice of notices) {
      if (!notice) continue;
      this.deps.metrics?.operationalEvents.inc({ type: notice.type });
      this.deps.startQueue.enqueue(notice.deliveries);
    }
  }

  /**
   * Records the endpoint workflow's circuit in the webhook row and, in the same transaction, the
   * notice it is due (opened: once per open period; closed: when the period ends). A retried
   * call finds the period already recorded and emits nothing new.
   */
  async circuitChanged(webhookId: string, state: CircuitMirrorState, openedAt: Date | null): Promise<void> {
    const stored = await this.deps.db.transaction((tx) => this.circuitChangedIn(tx, webhookId, state, openedAt));
    this.started([stored]);
  }

  /** As circuitChanged, in the caller's transaction (the gate's, see src/gate/); the caller hands the notice to started() after commit. */
  async circuitChangedIn(tx: Knex.Transaction, webhookId: string, state: CircuitMirrorState, openedAt: Date | null): Promise<StoredNotice | null> {
    const now = this.now();
    const change = await recordCircuit(tx, webhookId, state, openedAt, now);
    // A retired webhook's circuit tells nobody anything.
    if (!change || !change.webhook.active || change.webhook.deleted_at) return null;
    const notice = circuitNotice(change, this.deps.failureThreshold, now);
    return notice ? this.store(tx, notice) : null;
  }

  /** `delivery.dead_lettered` for this delivery if it is dead-lettered (and not itself a notice or a test). */
  async deadLettered(deliveryId: string): Promise<void> {
    const stored = await this.deps.db.transaction(async (tx) => {
      const dead = await findDeadLetter(tx, deliveryId);
      if (!dead || !reportsDeadLetter(dead.event_type)) return null;
      return this.store(tx, deadLetterNotice(dead, this.now()));
    });
    this.started([stored]);
  }
}
