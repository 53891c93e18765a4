import assert from 'node:assert/strict';
import type { ReceivedRequest, Reply } from './receiver';
import type { ApiClient } from './system';

/** A deterministic generator (mulberry32), so a failing run can be repeated exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const lineOf = (request: ReceivedRequest): string => String((JSON.parse(request.body) as { data: { line?: string } }).data.line ?? '');
const deliveryOf = (request: ReceivedRequest): string => request.headers['x-continuum-delivery'] as string;

/**
 * A receiver's replies for fifo tests: fails `failureRate` of attempts at random (never a
 * delivery's `maxFailures + 1`-th in a row, so none is dead-lettered by chance), answers after
 * `replyMs`, and counts the requests in flight per line (the `line` field of the data).
 */
export class LineReplies {
  readonly maxInFlightPerLine = new Map<string, number>();
  /** Every request's outcome, in arrival order. */
  readonly log: Array<{ deliveryId: string; line: string; ok: boolean }> = [];
  private readonly inFlight = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly random: () => number;

  constructor(private readonly options: { failureRate: number; maxFailures?: number; replyMs?: number; seed?: number }) {
    this.random = seededRandom(options.seed ?? 20261204);
  }

  readonly respond = (request: ReceivedRequest): Reply => {
    const line = lineOf(request);
    const deliveryId = deliveryOf(request);
    const failed = this.failures.get(deliveryId) ?? 0;
    const ok = failed >= (this.options.maxFailures ?? 3) || this.random() >= this.options.failureRate;
    if (!ok) this.failures.set(deliveryId, failed + 1);
    this.log.push({ deliveryId, line, ok });
    const now = (this.inFlight.get(line) ?? 0) + 1;
    this.inFlight.set(line, now);
    this.maxInFlightPerLine.set(line, Math.max(this.maxInFlightPerLine.get(line) ?? 0, now));
    const until = new Promise<void>((resolve) => setTimeout(() => {
      this.inFlight.set(line, (this.inFlight.get(line) ?? 1) - 1);
      resolve();
    }, this.options.replyMs ?? 5));
    return ok ? { status: 200, body: 'ok', until } : { status: 500, body: 'try again', until };
  };
}

/**
 * Order within each line, from what the receiver got (arrival order): every delivery's first
 * request comes after the request that succeeded for the one ahead of it, and nothing of the
 * one ahead arrives after it starts. `lines` lists each line's deliveries in publish order.
 * A delivery sent again after a crash (at-least-once) may repeat, but never ahead of its turn.
 */
export function assertLineOrder(requests: ReceivedRequest[], lines: Map<string, string[]>): void {
  const arrivals = requests.map(deliveryOf);
  for (const [line, ids] of lines) {
    for (let i = 1; i < ids.length; i++) {
      const firstOfThis = arrivals.indexOf(ids[i]);
      const lastOfAhead = arrivals.lastIndexOf(ids[i - 1]);
      assert.ok(firstOfThis >= 0 && lastOfAhead >= 0, `line ${line}: ${ids[i - 1]} and ${ids[i]} were both received`);
      assert.ok(firstOfThis > lastOfAhead,
        `line ${line}: ${ids[i]} (#${i}) was first sent (request ${firstOfThis}) before ${ids[i - 1]} had finished (its last request ${lastOfAhead})`);
    }
  }
}

/**
 * Publishes one memory.created per key, one after the other (each accepted before the next is
 * sent), to a tenant with one fifo webhook subscribed; returns each line's deliveries in order.
 */
export async function publishInTurn(api: ApiClient, keys: Array<string | null>): Promise<Map<string, string[]>> {
  const lines = new Map<string, string[]>();
  for (const [i, key] of keys.entries()) {
    const response = await api('POST', '/events', {
      event: 'memory.created', data: { memory_id: `mem_${i}`, line: key ?? '' }, ...(key ? { ordering_key: key } : {}),
    });
    assert.equal(response.status, 202, JSON.stringify(response.body));
    const line = key ?? '';
    lines.set(line, [...(lines.get(line) ?? []), response.body.delivery_ids[0] as string]);
  }
  return lines;
}
