import type { EndpointControl } from '../src/temporal/endpointControl';
import type { PermitRelease } from '../workflows/types';

interface Waiting {
  release: PermitRelease;
  done: (sent: boolean) => void;
}

/**
 * Gives permits back to endpoint workflows, coalesced: per endpoint at most one signal is in
 * flight, and the releases that end meanwhile go together in the next one, in the order they
 * ended (the circuit counts consecutive failures). An idle endpoint's release goes at once.
 */
export class PermitReleases {
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly sending = new Set<string>();

  constructor(private readonly endpoints: Pick<EndpointControl, 'releasePermits'>) {}

  /** Resolves true once the endpoint workflow has the release; false when it could not be sent. */
  give(webhookId: string, release: PermitRelease): Promise<boolean> {
    return new Promise((done) => {
      this.waiting.set(webhookId, [...(this.waiting.get(webhookId) ?? []), { release, done }]);
      void this.send(webhookId);
    });
  }

  private async send(webhookId: string): Promise<void> {
    if (this.sending.has(webhookId)) return;
    const batch = this.waiting.get(webhookId) ?? [];
    if (batch.length === 0) return;
    this.waiting.delete(webhookId);
    this.sending.add(webhookId);
    let sent = false;
    try {
      await this.endpoints.releasePermits(webhookId, batch.map((w) => w.release));
      sent = true;
    } catch {
      // The caller's workflow gives its permit back itself (never a second POST).
    } finally {
      this.sending.delete(webhookId);
      batch.forEach((w) => w.done(sent));
      void this.send(webhookId);
    }
  }
}
