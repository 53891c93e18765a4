import type { EndpointControl } from '../temporal/endpointControl';
import type { PermitRelease } from '../../workflows/permits/types';

/** How long a release may wait for others before it goes (with what is held). */
export const DEFAULT_RELEASE_WINDOW_MS = 1500;
/** A lease granted here whose delivery ran in another process stops being waited for after this. */
const EXPECT_TTL_MS = 30_000;
const SEND_TRIES = 3;

interface EndpointReleases {
  held: PermitRelease[];
  /** Leases granted into this process and not given back yet, with when they were granted. */
  expected: Map<string, number>;
  /** Held releases that make a batch worth a signal: more than half the endpoint's permits. */
  enough: number;
  timer: NodeJS.Timeout | null;
  sending: Promise<void> | null;
}

/**
 * Gives permits back to endpoint workflows, coalesced per endpoint (docs/permits.md): every
 * signal costs the endpoint a workflow task, so a worker sends releases together: once more
 * than half the endpoint's permits are held here, or every lease its grant batches brought
 * here is back (nothing else to wait for), or after `windowMs`. A failure, or
 * a half-open probe's outcome, goes at once with what is held before it, in the order the
 * attempts ended: the breaker counts consecutive failures exactly. Fire and forget: a release
 * lost with this process is reclaimed by the endpoint when the lease expires.
 */
export class PermitReleases {
  private readonly endpoints = new Map<string, EndpointReleases>();
  private blocks: { take(webhookId: string, release: PermitRelease): boolean } | null = null;

  constructor(private readonly control: Pick<EndpointControl, 'releasePermits'>, private readonly windowMs = DEFAULT_RELEASE_WINDOW_MS) {}

  private of(webhookId: string): EndpointReleases {
    let entry = this.endpoints.get(webhookId);
    if (!entry) this.endpoints.set(webhookId, (entry = { held: [], expected: new Map(), enough: 1, timer: null, sending: null }));
    return entry;
  }

  /** Leases a grant batch in this process handed out (of `maxConcurrency` permits): their releases are waited for. */
  expect(webhookId: string, leaseIds: string[], maxConcurrency = 1, now = Date.now()): void {
    const entry = this.of(webhookId);
    entry.enough = Math.floor(maxConcurrency / 2) + 1;
    leaseIds.forEach((id) => entry.expected.set(id, now));
  }

  /** Leases of a batch that turned out not to be granted (their delivery no longer runs). */
  forget(webhookId: string, leaseIds: string[]): void {
    const entry = this.endpoints.get(webhookId);
    leaseIds.forEach((id) => entry?.expected.delete(id));
    if (entry && entry.held.length > 0 && entry.expected.size === 0) void this.flush(webhookId);
  }

  /** Blocks lent to this process keep the releases of the leases they handed out (see PermitBlocks). */
  keepForBlocks(blocks: { take(webhookId: string, release: PermitRelease): boolean }): void {
    this.blocks = blocks;
  }

  give(webhookId: string, release: PermitRelease, urgent = release.outcome === 'failure', now = Date.now()): void {
    if (this.blocks?.take(webhookId, release)) return;
    this.toEndpoint(webhookId, release, urgent, now);
  }

  /** To the endpoint workflow, coalesced (a block's leases, once the block is back). */
  toEndpoint(webhookId: string, release: PermitRelease, urgent = release.outcome === 'failure', now = Date.now()): void {
    const entry = this.of(webhookId);
    entry.expected.delete(release.leaseId);
    for (const [id, at] of entry.expected) if (now - at > EXPECT_TTL_MS) entry.expected.delete(id);
    entry.held.push(release);
    if (urgent || entry.expected.size === 0 || entry.held.length >= entry.enough) void this.flush(webhookId);
    else entry.timer ??= setTimeout(() => void this.flush(webhookId), this.windowMs);
  }

  /** Sends everything held now (on stop). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.endpoints.keys()].map((id) => this.flush(id)));
  }

  private async flush(webhookId: string): Promise<void> {
    const entry = this.of(webhookId);
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    // One signal in flight per endpoint: the next batch goes after it, in order.
    while (entry.sending) await entry.sending;
    const batch = entry.held.splice(0);
    if (batch.length === 0) return;
    entry.sending = this.send(webhookId, batch).finally(() => {
      entry.sending = null;
      if (entry.held.length === 0 && entry.expected.size === 0) this.endpoints.delete(webhookId);
    });
    await entry.sending;
  }

  private async send(webhookId: string, batch: PermitRelease[]): Promise<void> {
    for (let attempt = 1; attempt <= SEND_TRIES; attempt++) {
      try {
        await this.control.releasePermits(webhookId, batch);
        return;
      } catch {
        // Gone (webhook deleted) or Temporal away: tried again, then left to lease expiry.
        await new Promise((resolve) => setTimeout(resolve, this.windowMs * attempt));
      }
    }
  }
}
