import assert from 'node:assert/strict';
import type { Receiver } from './receiver';
import { eventually } from './wait';

/** What a publish answered: its status, or the reason it got none. */
type Outcome = { status: number } | { error: string };

export interface StreamOptions {
  /** API base URL (without /api/v1). */
  baseUrl: string;
  apiKey: string;
  /** The webhook it publishes to, subscribed to `event` (and the only one that is). */
  webhookId: string;
  event: string;
  everyMs?: number;
}

/** A publish answered within this, or it counts as unanswered (and fails the stream). */
const PUBLISH_TIMEOUT_MS = 10_000;

/**
 * A steady stream of publishes across a fault: one event every `everyMs`, each answer
 * recorded. Afterwards `verify` checks what an operator cares about: every accepted delivery
 * was received at least once, nothing unknown arrived, duplicates stay few, and every
 * delivery ended `succeeded`.
 */
export class DeliveryStream {
  readonly accepted: string[] = [];
  readonly outcomes: Outcome[] = [];
  private timer: NodeJS.Timeout | null = null;
  private pending = new Set<Promise<void>>();
  private sequence = 0;

  constructor(private readonly options: StreamOptions) {}

  start(): this {
    this.timer = setInterval(() => this.publishOne(), this.options.everyMs ?? 100);
    return this;
  }

  /** Stops publishing and waits for the publishes still out. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.pending]);
  }

  /** How many publishes answered with this status so far. */
  count(status: number): number {
    return this.outcomes.filter((o) => 'status' in o && o.status === status).length;
  }

  /** Resolves once `n` more publishes have been accepted than when it was called. */
  async acceptedMore(n: number, timeoutMs = 120_000): Promise<void> {
    const target = this.accepted.length + n;
    await eventually(`${n} more accepted publishes`, async () => this.accepted.length >= target, timeoutMs);
  }

  private publishOne(): void {
    const { baseUrl, apiKey, event } = this.options;
    const n = this.sequence++;
    const publish = fetch(`${baseUrl}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event, data: { memory_id: `stream_${n}` } }),
      signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
    }).then(async (response) => {
      const body = await response.json().catch(() => null) as { delivery_ids?: string[] } | null;
      this.outcomes.push({ status: response.status });
      if (response.status === 202) this.accepted.push(...(body?.delivery_ids ?? []));
    }, (err: Error) => {
      this.outcomes.push({ error: err.message });
    });
    this.pending.add(publish);
    void publish.finally(() => this.pending.delete(publish));
  }

  /**
   * After `stop`: every publish got an answer (202, or 503 where `allow503`), every accepted
   * delivery reached the receiver and ended `succeeded` (read through the API).
   */
  async verify(receiver: Receiver, options: { allow503?: boolean; timeoutMs?: number; maxDuplicates?: number } = {}): Promise<{ duplicates: number }> {
    const unanswered = this.outcomes.filter((o) => 'error' in o);
    assert.deepEqual(unanswered, [], 'every publish got an answer');
    const allowed = options.allow503 ? [202, 503] : [202];
    const other = this.outcomes.filter((o) => 'status' in o && !allowed.includes(o.status));
    assert.deepEqual(other, [], `publishes answered only ${allowed.join(' or ')}`);
    assert.ok(this.accepted.length > 0, 'some publishes were accepted');

    const wanted = new Set(this.accepted);
    const received = () => receiver.requests.map((r) => r.headers['x-continuum-delivery'] as string).filter((id) => wanted.has(id));
    await eventually('every accepted delivery received', async () => new Set(received()).size === wanted.size, options.timeoutMs ?? 180_000);
    const unknown = receiver.requests.filter((r) => !wanted.has(r.headers['x-continuum-delivery'] as string));
    assert.deepEqual(unknown.map((r) => r.headers['x-continuum-delivery']), [], 'nothing arrived that was not accepted');

    await eventually('every accepted delivery succeeded', async () => {
      const states = await Promise.all(this.accepted.map((id) => this.deliveryStatus(id)));
      return states.every((s) => s === 'succeeded');
    }, 60_000);
    // At-least-once: only a delivery in flight when the fault hit (at most the endpoint's
    // 10 at a time) may arrive twice.
    const duplicates = received().length - wanted.size;
    const maxDuplicates = options.maxDuplicates ?? 10;
    assert.ok(duplicates <= maxDuplicates, `${duplicates} duplicates (at most ${maxDuplicates})`);
    const perDelivery = new Map<string, number>();
    for (const id of received()) perDelivery.set(id, (perDelivery.get(id) ?? 0) + 1);
    const most = Math.max(...perDelivery.values());
    assert.ok(most <= 3, `a delivery arrived ${most} times`);
    return { duplicates };
  }

  private async deliveryStatus(id: string): Promise<string> {
    const response = await fetch(`${this.options.baseUrl}/api/v1/webhooks/${this.options.webhookId}/deliveries/${id}`, {
      headers: { authorization: `Bearer ${this.options.apiKey}` }, signal: AbortSignal.timeout(5000),
    });
    const body = await response.json() as { status?: string };
    return body.status ?? `http ${response.status}`;
  }
}
