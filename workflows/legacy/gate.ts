// Pure state of one endpoint: concurrency permits (leases), the rate limit (a token bucket)
// and the circuit breaker. No Temporal calls here, so the rules are unit-tested directly and
// replayed deterministically.
// The previous release's gate, kept unchanged for the replay of its endpoint runs (see endpoint.ts here).
import type { CircuitState, GateConfig, GateState, Lease, Outcome, PermitRequest, QueueEntry } from '../permits/gateState';
import { availableTokens, changeRate, nextTokenAt, takeToken } from '../permits/tokenBucket';

export class Gate {
  /** Circuit changes since the last takeTransitions(), for bookkeeping outside the workflow. */
  private transitions: CircuitState[] = [];
  /** Permits granted since the last takeRateDelayed() that the rate limit had held back. */
  private rateDelayed = 0;

  constructor(readonly state: GateState, private readonly config: GateConfig) {}

  enqueue(request: PermitRequest): void {
    const known = this.state.queue.some((e) => e.leaseId === request.leaseId) || this.state.leases.some((l) => l.leaseId === request.leaseId);
    if (known) return; // a repeated request (e.g. redelivered signal) changes nothing
    const entry = { ...request, notified: false };
    const firstNormal = request.high ? this.state.queue.findIndex((e) => !e.high) : -1;
    if (firstNormal >= 0) this.state.queue.splice(firstNormal, 0, entry);
    else this.state.queue.push(entry);
  }

  /** The holder is done with (or no longer wants) this permit; outcome feeds the circuit. */
  release(leaseId: string, outcome: Outcome, now: number): void {
    const queued = this.state.queue.findIndex((e) => e.leaseId === leaseId);
    if (queued >= 0) {
      this.state.queue.splice(queued, 1);
      return;
    }
    const index = this.state.leases.findIndex((l) => l.leaseId === leaseId);
    if (index < 0) return;
    const [lease] = this.state.leases.splice(index, 1);
    this.recordOutcome(lease, outcome, now);
  }

  private recordOutcome(lease: Lease, outcome: Outcome, now: number): void {
    if (outcome === 'none') return;
    const s = this.state;
    if (s.circuit === 'half_open' && lease.probe) {
      if (outcome === 'success') this.close();
      else this.open(now);
      return;
    }
    // Results of attempts granted before the circuit opened don't move an open circuit.
    if (s.circuit !== 'closed') return;
    if (outcome === 'success') {
      s.consecutiveFailures = 0;
      return;
    }
    s.consecutiveFailures++;
    if (s.consecutiveFailures >= this.config.failureThreshold) this.open(now);
  }

  private open(now: number): void {
    const s = this.state;
    s.circuit = 'open';
    s.openedAt = now;
    s.halfOpenAt = now + this.config.openDurationMs;
    s.queue.forEach((e) => (e.notified = false));
    this.transitions.push('open');
  }

  private close(): void {
    const s = this.state;
    s.circuit = 'closed';
    s.consecutiveFailures = 0;
    s.openedAt = null;
    s.halfOpenAt = null;
    this.transitions.push('closed');
  }

  /** Operator reset: closed at once. */
  reset(): void {
    if (this.state.circuit !== 'closed' || this.state.consecutiveFailures > 0) this.close();
  }

  setMaxConcurrency(max: number): void {
    this.state.maxConcurrency = max;
  }

  /** A new rate limit (null: none) applies from now on; tokens held so far are kept (capped). */
  setRateLimit(perSecond: number | null, now: number): void {
    this.state.rate = changeRate(this.state.rate, perSecond, now);
  }

  /** True when the rate limit lets one more permit out now. */
  private hasToken(now: number): boolean {
    return !this.state.rate || availableTokens(this.state.rate, now) >= 1;
  }

  /** Time-driven changes: open → half-open, and reclaiming leases whose holder vanished. */
  tick(now: number): Lease[] {
    const s = this.state;
    if (s.circuit === 'open' && s.halfOpenAt !== null && now >= s.halfOpenAt) {
      s.circuit = 'half_open';
      this.transitions.push('half_open');
    }
    const expired = s.leases.filter((l) => now - l.grantedAt >= this.config.leaseTimeoutMs);
    for (const lease of expired) {
      s.leases.splice(s.leases.indexOf(lease), 1);
      // A lost probe must not wedge the circuit in half-open: treat it as failed.
      if (lease.probe && s.circuit === 'half_open') this.open(now);
    }
    return expired;
  }

  /** Permits to hand out now, removed from the queue and held as leases. */
  grant(now: number): Lease[] {
    const s = this.state;
    const granted: Lease[] = [];
    const take = (probe: boolean) => {
      const entry = s.queue.shift() as QueueEntry;
      if (entry.rateHeld) this.rateDelayed++;
      granted.push(this.lend(entry, now, probe));
    };
    // Only one probe in half-open; as many as permits allow when closed; each takes a token.
    while (this.grantable() && s.queue.length > 0) {
      if (!this.hasToken(now)) {
        s.queue[0].rateHeld = true;
        break;
      }
      take(s.circuit === 'half_open');
    }
    return granted;
  }

  /** Whether the circuit and the permits in use let one more out (the rate limit aside). */
  private grantable(): boolean {
    const s = this.state;
    if (s.circuit === 'closed') return s.leases.length < s.maxConcurrency;
    return s.circuit === 'half_open' && !s.leases.some((l) => l.probe);
  }

  /**
   * When the rate limit will let the head of the queue out, if only the rate limit holds it
   * back now (the workflow sleeps until then); null when nothing waits for a token.
   */
  rateWakeAt(now: number): number | null {
    const { rate, queue } = this.state;
    if (!rate || queue.length === 0 || !this.grantable()) return null;
    return nextTokenAt(rate, now);
  }

  /**
   * Leases for these requests now, but only for those nobody waits ahead of: circuit closed,
   * queue empty, a permit free (and a token, when rate-limited). The others are neither
   * granted nor queued (their caller asks the usual way). A request whose lease is held
   * already gets it again (a repeated call).
   */
  admitNow(requests: PermitRequest[], now: number): Lease[] {
    const s = this.state;
    const admitted: Lease[] = [];
    for (const request of requests) {
      const held = s.leases.find((l) => l.leaseId === request.leaseId);
      if (held) {
        admitted.push(held);
        continue;
      }
      const free = s.circuit === 'closed' && s.queue.length === 0 && s.leases.length < s.maxConcurrency && this.hasToken(now);
      if (!free || s.queue.some((e) => e.leaseId === request.leaseId)) continue;
      admitted.push(this.lend(request, now, false));
    }
    return admitted;
  }

  /** A permit held from now on by this request's delivery (it takes a token, if limited). */
  private lend(request: PermitRequest, now: number, probe: boolean): Lease {
    if (this.state.rate) takeToken(this.state.rate, now);
    const lease = { leaseId: request.leaseId, deliveryId: request.deliveryId, grantedAt: now, probe };
    this.state.leases.push(lease);
    this.state.granted++;
    return lease;
  }

  /** Waiting deliveries not yet told that the circuit holds them. */
  takeCircuitNotices(): PermitRequest[] {
    if (this.state.circuit === 'closed') return [];
    const fresh = this.state.queue.filter((e) => !e.notified);
    fresh.forEach((e) => (e.notified = true));
    return fresh;
  }

  takeRateDelayed(): number {
    const taken = this.rateDelayed;
    this.rateDelayed = 0;
    return taken;
  }

  takeTransitions(): CircuitState[] {
    const taken = this.transitions;
    this.transitions = [];
    return taken;
  }

  nextLeaseExpiry(): number | null {
    if (this.state.leases.length === 0) return null;
    return Math.min(...this.state.leases.map((l) => l.grantedAt)) + this.config.leaseTimeoutMs;
  }
}
