// Pure state of one endpoint: concurrency permits (leases), the rate limit (a token bucket)
// and the circuit breaker: the one home of those three rules. No Temporal calls here, so the
// rules are unit-tested directly and replayed deterministically.
import type { BlockReturn, CircuitState, GateConfig, GateState, Lease, Outcome, PermitRequest } from './gateState';
import { availableTokens, changeRate, nextTokenAt, takeToken } from './tokenBucket';

export {
  initialGateState, type BlockReturn, type CircuitState, type GateConfig, type GateState, type Lease, type Outcome, type PermitRequest,
} from './gateState';

/** What the gate can let out now: `count` permits (at most one, the probe, when half-open). */
export interface Room {
  count: number;
  probe: boolean;
  /** The rate limit, not the permits or the circuit, is what bounds `count`. */
  rateBound: boolean;
}

const EARLY_RELEASES_KEPT = 1000;

export class Gate {
  /** Circuit changes since the last takeTransitions(), for bookkeeping outside the workflow. */
  private transitions: CircuitState[] = [];
  /**
   * Releases of leases this run did not hold: a grant batch repeated after a failed task lends
   * its leases only after the releases of deliveries that already ran came in, and a block's
   * return lists deliveries released through another process. Kept per run (recent ones only);
   * lend() and returnBlock() apply them (a block's are counted on arrival, kept as `none`).
   */
  private readonly early = new Map<string, Outcome>();

  constructor(readonly state: GateState, private readonly config: GateConfig) {}

  /** (Previous release) a delivery's request by message; a repeat changes nothing. */
  enqueue(request: PermitRequest): void {
    const s = this.state;
    if (s.queue.some((e) => e.leaseId === request.leaseId) || s.leases.some((l) => l.leaseId === request.leaseId)) return;
    const entry = { ...request, notified: false };
    const firstNormal = request.high ? s.queue.findIndex((e) => !e.high) : -1;
    if (firstNormal >= 0) s.queue.splice(firstNormal, 0, entry);
    else s.queue.push(entry);
  }

  /** The holder is done with (or no longer wants) this permit; the outcome feeds the circuit. */
  release(leaseId: string, outcome: Outcome, now: number): void {
    const queued = this.state.queue.findIndex((e) => e.leaseId === leaseId);
    if (queued >= 0) {
      this.state.queue.splice(queued, 1);
      return;
    }
    const index = this.state.leases.findIndex((l) => l.leaseId === leaseId);
    if (index < 0) {
      // Unknown: of an earlier run, of a block not back yet, or (a repeated batch) not lent yet.
      // A block's counts now, in order, and frees its permit.
      const ofBlock = this.shrinkBlockOf(leaseId);
      if (ofBlock) this.recordOutcome({ probe: false }, outcome, now);
      this.early.set(leaseId, ofBlock ? 'none' : outcome);
      if (this.early.size > EARLY_RELEASES_KEPT) this.early.delete(this.early.keys().next().value as string);
      return;
    }
    const [lease] = this.state.leases.splice(index, 1);
    this.recordOutcome(lease, outcome, now);
  }

  private recordOutcome(lease: Pick<Lease, 'probe'>, outcome: Outcome, now: number): void {
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

  /** Time-driven changes: open → half-open, and reclaiming leases whose holder vanished. */
  tick(now: number): Lease[] {
    const s = this.state;
    if (s.circuit === 'open' && s.halfOpenAt !== null && now >= s.halfOpenAt) {
      s.circuit = 'half_open';
      this.transitions.push('half_open');
    }
    // A block whose worker vanished: its permits come back as its deliveries' leases would.
    s.blocks = (s.blocks ?? []).filter((b) => now < this.blockExpiry(b));
    const expired = s.leases.filter((l) => now - l.grantedAt >= this.config.leaseTimeoutMs);
    for (const lease of expired) {
      s.leases.splice(s.leases.indexOf(lease), 1);
      // A lost probe must not wedge the circuit in half-open: treat it as failed.
      if (lease.probe && s.circuit === 'half_open') this.open(now);
    }
    return expired;
  }

  /** Permits the circuit, the free permits and the rate limit let out now. */
  room(now: number): Room {
    const s = this.state;
    let free = 0;
    if (s.circuit === 'closed') free = Math.max(0, s.maxConcurrency - this.held());
    else if (s.circuit === 'half_open' && !s.leases.some((l) => l.probe)) free = 1;
    const tokens = s.rate ? availableTokens(s.rate, now) : free;
    return { count: Math.min(free, tokens), probe: s.circuit === 'half_open', rateBound: tokens < free };
  }

  /** A permit held from now on by this delivery (it takes a token, when rate-limited). */
  lend(deliveryId: string, leaseId: string, now: number, probe: boolean): Lease {
    const held = this.state.leases.find((l) => l.leaseId === leaseId);
    if (held) return held; // granted twice (a request by message and its row): one permit
    if (this.state.rate) takeToken(this.state.rate, now);
    const lease = { leaseId, deliveryId, grantedAt: now, probe };
    this.state.leases.push(lease);
    this.state.granted++;
    const released = this.early.get(leaseId);
    if (released !== undefined) {
      this.early.delete(leaseId);
      this.release(leaseId, released, now);
    }
    return lease;
  }

  /** Permits out: leases, and blocks lent whole. */
  held(): number {
    return this.state.leases.length + (this.state.blocks ?? []).reduce((n, b) => n + b.size, 0);
  }

  /** A healthy endpoint (closed, no failure counted, no rate limit, no request queued) lends its room as a block. */
  canLend(): boolean {
    const s = this.state;
    return s.circuit === 'closed' && s.consecutiveFailures === 0 && !s.rate && s.queue.length === 0;
  }

  lendBlock(blockId: string, size: number, now: number, lendMs: number): void {
    const s = this.state;
    if ((s.blocks ?? []).some((b) => b.blockId === blockId)) return;
    s.blocks = [...(s.blocks ?? []), { blockId, size, lentAt: now, lendMs }];
    s.granted += size;
  }

  /**
   * A block is back: its outcomes feed the circuit in order, and the deliveries it started that
   * still run hold leases of this gate from now on (those already released here are not).
   * A block this run does not know (of an earlier run, or expired) is taken the same way.
   */
  returnBlock(back: BlockReturn, now: number): void {
    const s = this.state;
    s.blocks = (s.blocks ?? []).filter((b) => b.blockId !== back.blockId);
    back.outcomes.forEach((outcome) => this.recordOutcome({ probe: false }, outcome, now));
    for (const { deliveryId, leaseId, grantedAt } of back.inFlight) {
      const released = this.early.get(leaseId);
      this.early.delete(leaseId);
      if (released !== undefined) this.recordOutcome({ probe: false }, released, now);
      else if (!s.leases.some((l) => l.leaseId === leaseId)) s.leases.push({ leaseId, deliveryId, grantedAt, probe: false });
    }
  }

  /**
   * A block's delivery released here (it ran in another process): the block's permit is back
   * now, whether its worker lives (it gives the block back later, this lease listed as in
   * flight, and that is skipped) or died.
   */
  private shrinkBlockOf(leaseId: string): boolean {
    const at = leaseId.indexOf('@');
    if (at < 0) return false;
    const batch = leaseId.slice(at + 1);
    const block = (this.state.blocks ?? []).find((b) => batch === b.blockId || batch.startsWith(`${b.blockId}.`));
    if (!block) return false;
    if (block.size > 0) block.size--;
    return true;
  }

  private blockExpiry(block: { lentAt: number; lendMs: number }): number {
    return block.lentAt + block.lendMs + this.config.leaseTimeoutMs;
  }

  /** (Previous release) leases for queued requests, within the room; they go before the rows. */
  grantQueued(now: number): Lease[] {
    const granted: Lease[] = [];
    for (let room = this.room(now); room.count > 0 && this.state.queue.length > 0; room = this.room(now)) {
      const entry = this.state.queue.shift() as PermitRequest;
      granted.push(this.lend(entry.deliveryId, entry.leaseId, now, room.probe));
    }
    return granted;
  }

  /** When the rate limit lets the next permit out, if only the rate limit holds waiting rows back; else null. */
  rateWakeAt(now: number): number | null {
    const { rate, backlog, queue } = this.state;
    if (!rate || !(backlog || queue.length > 0)) return null;
    const room = this.room(now);
    if (room.count > 0 || !room.rateBound) return null;
    return nextTokenAt(rate, now);
  }

  /** Nothing in flight, nothing waiting that it knows of, circuit closed with no failures counted. */
  idle(): boolean {
    const s = this.state;
    return this.held() === 0 && s.queue.length === 0 && s.circuit === 'closed' && s.consecutiveFailures === 0 && s.backlog === false;
  }

  /** The circuit's mirror in Postgres says otherwise (a fresh start, a lost write): record this one. */
  correctMirror(mirrored: CircuitState | undefined): void {
    if (mirrored !== undefined && mirrored !== this.state.circuit) this.transitions.push(this.state.circuit);
  }

  takeTransitions(): CircuitState[] {
    const taken = this.transitions;
    this.transitions = [];
    return taken;
  }

  nextLeaseExpiry(): number | null {
    const expiries = [
      ...this.state.leases.map((l) => l.grantedAt + this.config.leaseTimeoutMs), ...(this.state.blocks ?? []).map((b) => this.blockExpiry(b)),
    ];
    return expiries.length === 0 ? null : Math.min(...expiries);
  }
}
