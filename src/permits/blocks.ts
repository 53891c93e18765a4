import type { Logger } from 'pino';
import { blockStillLent, endBlock } from '../db/repositories/permitQueue';
import type { EndpointControl } from '../temporal/endpointControl';
import type { BlockReturn, Outcome } from '../../workflows/permits/gateState';
import type { GrantBatchInput, GrantBatchResult, PermitRelease } from '../../workflows/permits/types';
import { claimRows, startGrants, type GrantDeps } from './grants';

const RETURN_TRIES = 3;
const CLAIM_RETRY_MS = 2000;
const GATHER_MS = 50;
/** A block with nothing in flight for this long goes back early: the endpoint can idle, and its status shows no permit out. */
const IDLE_RETURN_MS = 1000;

interface Block {
  webhookId: string;
  blockId: string;
  size: number;
  maxConcurrency: number;
  /** Deliveries started (or granted) against the block and not released yet. */
  inUse: Map<string, { deliveryId: string; grantedAt: number }>;
  outcomes: Outcome[];
  claims: number;
  /** A claim that failed is repeated with its batch id (it may have claimed rows). */
  failedClaim: string | null;
  /** The last claim filled its room: rows may wait, so claim again as permits come back. */
  backlog: boolean;
  claiming: Promise<void> | null;
  claimAgain: boolean;
  timer: NodeJS.Timeout | null;
  gatherTimer: NodeJS.Timeout | null;
  idleTimer: NodeJS.Timeout | null;
  /** Set when the block ends: resolves once the endpoint has it back. */
  returned: Promise<void> | null;
  /** Leases listed in the return: their releases go to the endpoint once it has the block. */
  listed: Set<string>;
}

export type BlockDeps = Pick<GrantDeps, 'db' | 'deliveries' | 'releases'> & {
  endpoints: Pick<EndpointControl, 'returnPermitBlock'>;
  log: Logger;
};

/**
 * Blocks of permits endpoint workflows lent to this process (docs/permits.md). While a block
 * lasts, its webhook's rows are claimed and started here (when a publish notifies, and as its
 * permits come back), and its attempts' releases stay here: the endpoint workflow pays no task
 * for them. A block ends after its time, at its first failure (the breaker counts it at once),
 * or when the process stops; it goes back in one signal with its outcomes, in order, and the
 * deliveries still in flight, whose releases go to the endpoint from then on.
 */
export class PermitBlocks {
  private readonly blocks = new Map<string, Block>();
  private stopped = false;

  constructor(private readonly deps: BlockDeps) {}

  /** The endpoint's grant batch lends its room to this process (the batch's local activity). */
  async lend(input: GrantBatchInput): Promise<GrantBatchResult> {
    if (this.stopped) throw new Error('this worker is stopping');
    let block = this.blocks.get(input.batchId);
    if (!block) {
      block = {
        webhookId: input.webhookId, blockId: input.batchId, size: input.room, maxConcurrency: input.maxConcurrency ?? input.room,
        inUse: new Map(), outcomes: [], claims: 0, failedClaim: null, backlog: false, claiming: null, claimAgain: false, timer: null, gatherTimer: null, idleTimer: null,
        returned: null, listed: new Set(),
      };
      this.blocks.set(block.blockId, block);
    }
    // The block's claims go one at a time, the lend's first: a notice meanwhile claims after it.
    const lent = block;
    const work = this.claimFor(lent, input.batchId, input.room, input.lendMs);
    lent.claiming = work.then(() => undefined, () => undefined).finally(() => this.claimed(lent));
    try {
      const result = await work;
      lent.timer ??= setTimeout(() => void this.end(lent), input.lendMs);
      // Lent while this process was stopping: back at once, before the stop goes on.
      if (this.stopped) await this.end(lent);
      return result;
    } catch (err) {
      // Not lent after all: the endpoint repeats the batch (same id) at a later turn.
      if (lent.timer === null) this.blocks.delete(lent.blockId);
      throw err;
    }
  }

  /** Rows wait for this webhook (a publish's NOTIFY): a live block here claims them. */
  notify(webhookId: string): void {
    for (const block of this.blocks.values()) if (block.webhookId === webhookId && !block.returned) this.claim(block);
  }

  /** A release of a lease a block here handed out: kept here (true), or passed on once its block is back. */
  take(webhookId: string, release: PermitRelease): boolean {
    for (const block of this.blocks.values()) {
      if (block.webhookId !== webhookId) continue;
      if (block.listed.has(release.leaseId)) {
        void block.returned?.then(() => this.deps.releases.toEndpoint(webhookId, release));
        return true;
      }
      if (!block.inUse.delete(release.leaseId)) continue;
      if (release.outcome !== 'none' && !(release.outcome === 'success' && block.outcomes.at(-1) === 'success')) block.outcomes.push(release.outcome);
      if (release.outcome === 'failure') void this.end(block);
      else if (block.backlog) this.gather(block);
      else this.watchIdle(block);
      return true;
    }
    return false;
  }

  /** Gives every block back (the process stops). */
  async returnAll(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.blocks.values()].map((b) => this.end(b)));
  }

  /**
   * Under a backlog, permits coming back are claimed for together: once half the block is free,
   * or GATHER_MS after the first (each claim is a statement, and a start call per row besides).
   */
  private gather(block: Block): void {
    if (block.size - block.inUse.size >= Math.ceil(block.size / 2)) {
      if (block.gatherTimer) clearTimeout(block.gatherTimer);
      block.gatherTimer = null;
      this.claim(block);
      return;
    }
    block.gatherTimer ??= setTimeout(() => {
      block.gatherTimer = null;
      this.claim(block);
    }, GATHER_MS);
  }

  /** Nothing in flight: back after IDLE_RETURN_MS unless a claim starts something meanwhile. */
  private watchIdle(block: Block): void {
    if (block.inUse.size > 0 || block.returned) {
      if (block.idleTimer) clearTimeout(block.idleTimer);
      block.idleTimer = null;
      return;
    }
    block.idleTimer ??= setTimeout(() => {
      block.idleTimer = null;
      if (block.inUse.size === 0) void this.end(block);
    }, IDLE_RETURN_MS);
  }

  private claim(block: Block): void {
    if (block.claiming) {
      block.claimAgain = true;
      return;
    }
    block.claiming = this.claimOnce(block).finally(() => this.claimed(block));
  }

  private claimed(block: Block): void {
    block.claiming = null;
    if (block.claimAgain && !block.returned) {
      block.claimAgain = false;
      this.claim(block);
    }
  }

  private async claimOnce(block: Block): Promise<void> {
    const room = block.size - block.inUse.size;
    if (room <= 0 || block.returned) return;
    const batchId = block.failedClaim ?? `${block.blockId}.${++block.claims}`;
    try {
      block.failedClaim = batchId;
      const { claimed } = await this.claimFor(block, batchId, room);
      block.failedClaim = null;
      // Fewer rows than room: none waited, or the block may claim no more (limits changed).
      if (claimed < room && !(await blockStillLent(this.deps.db, block.webhookId, { id: block.blockId, size: block.size }))) void this.end(block);
    } catch (err) {
      this.deps.log.debug({ err, webhookId: block.webhookId }, 'a block could not start its rows; it tries again');
      setTimeout(() => this.claim(block), CLAIM_RETRY_MS).unref();
    }
  }

  /**
   * Claims up to `room` rows for the block and starts them. Their leases count as in use from
   * the claim on: an attempt may end (and release) before its start call returns here.
   */
  private async claimFor(block: Block, batchId: string, room: number, lendMs?: number): Promise<GrantBatchResult> {
    const { rows, backlog } = await claimRows(this.deps.db, { webhookId: block.webhookId, batchId, room, block: { id: block.blockId, size: block.size, ...(lendMs ? { lendMs } : {}) } });
    const now = Date.now();
    rows.forEach((r) => block.inUse.set(r.lease_id, { deliveryId: r.id, grantedAt: now }));
    const { granted, gone } = await startGrants(this.deps, rows, [], false, false);
    gone.forEach((leaseId) => block.inUse.delete(leaseId));
    block.backlog = backlog;
    this.watchIdle(block);
    return { granted, claimed: rows.length, gone, backlog };
  }

  private end(block: Block): Promise<void> {
    block.returned ??= this.giveBack(block);
    return block.returned;
  }

  private async giveBack(block: Block): Promise<void> {
    if (block.timer) clearTimeout(block.timer);
    if (block.gatherTimer) clearTimeout(block.gatherTimer);
    if (block.idleTimer) clearTimeout(block.idleTimer);
    while (block.claiming) await block.claiming;
    let waiting = true;
    try {
      ({ waiting } = await endBlock(this.deps.db, block.webhookId, block.blockId));
    } catch (err) {
      this.deps.log.debug({ err, webhookId: block.webhookId }, 'ending a block in Postgres failed; it expires there');
    }
    const inFlight = [...block.inUse].map(([leaseId, { deliveryId, grantedAt }]) => ({ leaseId, deliveryId, grantedAt }));
    // Rows behind a fifo line's head wait for the head: only its end (in flight, or a retry's
    // own request) frees them, so a block with none in flight says nothing waits.
    const back: BlockReturn = {
      blockId: block.blockId, outcomes: [...block.outcomes], waiting, inFlight, ...(block.backlog && inFlight.length > 0 ? { backlog: true } : {}),
    };
    back.inFlight.forEach((l) => block.listed.add(l.leaseId));
    this.deps.releases.expect(block.webhookId, [...block.listed], block.maxConcurrency);
    await this.send(block.webhookId, back);
    // Later releases of its leases find no block and go to the endpoint directly.
    this.blocks.delete(block.blockId);
  }

  private async send(webhookId: string, back: BlockReturn): Promise<void> {
    // Stopping: one try (the stop does not wait on retries; the endpoint reclaims a lost block).
    const tries = this.stopped ? 1 : RETURN_TRIES;
    for (let attempt = 1; attempt <= tries; attempt++) {
      try {
        await this.deps.endpoints.returnPermitBlock(webhookId, back);
        return;
      } catch (err) {
        // Gone (webhook deleted) or Temporal away: the endpoint reclaims the block when it expires.
        if (attempt === tries) this.deps.log.debug({ err, webhookId }, 'a block could not be given back; it expires');
        else await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }
}
