// Pure permit state of one delivery: the lease it asked its endpoint for, the grant for it, whether
// the circuit holds it and whether it must ask again. No Temporal calls here (the workflow sends
// and waits), so the rules are unit-tested directly and replayed deterministically.
import type { PermitGrant } from '../permits/types';

/** The starter's request for the first attempt, when it made one (see DeliveryWorkflowInput). */
export interface StarterPermit {
  firstLeaseId?: string;
  firstGrant?: PermitGrant;
}

/** Why a waiting delivery wakes: its grant came, the circuit holds it (shown once), or it must ask again. */
export type PermitWake = 'granted' | 'circuit' | 'askAgain';

export class DeliveryPermit {
  private lease: string | null;
  private grant: PermitGrant | null;
  private readonly askedByStarter: boolean;
  private sequence = 0;
  private circuitWaiting = false;
  private circuitShown = false;
  private askAgainRequested = false;

  /** runId names this workflow's own requests (`${runId}:${n}` for the n-th attempt). */
  constructor(private readonly runId: string, starter: StarterPermit) {
    // Known from the start: a grant for the starter's request may come before anything else.
    this.lease = starter.firstGrant?.leaseId ?? starter.firstLeaseId ?? null;
    this.grant = starter.firstGrant ?? null;
    this.askedByStarter = starter.firstLeaseId !== undefined || starter.firstGrant !== undefined;
  }

  /** The lease asked for (queued or held), null between attempts. */
  get requested(): string | null {
    return this.lease;
  }

  /** The circuit holds this delivery: its wait gets the maximum-age bound. */
  get waitsForCircuit(): boolean {
    return this.circuitWaiting;
  }

  /**
   * Starts asking for the next attempt's permit. The first one was asked for by the starter
   * (when it did): send is false. Every later one is a new lease, with nothing received for it.
   */
  next(): { leaseId: string; send: boolean } {
    const byStarter = this.sequence++ === 0 && this.askedByStarter;
    if (!byStarter) {
      this.lease = `${this.runId}:${this.sequence}`;
      this.grant = null;
      this.circuitWaiting = false;
    }
    this.circuitShown = false;
    return { leaseId: this.lease as string, send: !byStarter };
  }

  /** The request is with the endpoint: an earlier ask-again is answered by it. */
  sent(): void {
    this.askAgainRequested = false;
  }

  /** A grant came. Returns the lease to give back when it is stale (not the one asked for). */
  received(grant: PermitGrant): string | null {
    if (grant.leaseId !== this.lease) return grant.leaseId;
    this.grant = grant;
    return null;
  }

  /** The endpoint says the circuit holds this lease; a notice for another lease is ignored. */
  circuitHolds(leaseId: string): void {
    if (leaseId === this.lease) this.circuitWaiting = true;
  }

  /** The endpoint workflow was lost: send the request again (a live endpoint ignores a repeat). */
  askAgain(): void {
    this.askAgainRequested = true;
  }

  /** What would wake the wait now (the wait's condition), without taking it. */
  wake(): PermitWake | null {
    if (this.grant !== null) return 'granted';
    if (this.circuitWaiting && !this.circuitShown) return 'circuit';
    return this.askAgainRequested ? 'askAgain' : null;
  }

  /** Takes what woke the wait: the circuit is shown once, an ask-again is answered once. */
  takeWake(): PermitWake | null {
    const wake = this.wake();
    if (wake === 'circuit') this.circuitShown = true;
    else if (wake === 'askAgain') this.askAgainRequested = false;
    return wake;
  }

  /** The attempt is over, or the request given up: nothing is asked for until next(). */
  done(): void {
    this.lease = null;
  }
}
