import type { Knex } from 'knex';
import { claimWaitingRows, markGranted, type Claim, type ClaimedRow, type ClaimInput } from '../db/repositories/permitQueue';
import { HIGH_PRIORITY_EVENTS } from '../events/catalogue';
import type { Metrics } from '../metrics';
import type { DeliveryControl } from '../temporal/deliveryControl';
import type { GrantBatchInput, GrantBatchResult, PermitGrant } from '../../workflows/permits/types';
import type { PermitReleases } from './releases';

export interface GrantDeps {
  db: Knex;
  deliveries: DeliveryControl;
  releases: PermitReleases;
  /** Blocks lent to this process (a batch with `lendMs` goes to them). */
  blocks: { lend(input: GrantBatchInput): Promise<GrantBatchResult> };
  metrics?: Metrics;
}

type Grant = { deliveryId: string; leaseId: string };

/** Claims up to `room` of a webhook's waiting rows that may go now, quota events first (see claimWaitingRows). */
export function claimRows(db: Knex, input: Omit<ClaimInput, 'highPriorityTypes'>): Promise<Claim> {
  return input.room > 0 ? claimWaitingRows(db, { ...input, highPriorityTypes: [...HIGH_PRIORITY_EVENTS] }) : Promise.resolve({ rows: [], backlog: false });
}

/**
 * Hands claimed rows (and requests queued by message) their permits: starts the workflows of
 * those never started holding them (eagerly, in this worker, where Temporal can), signals the
 * others, and marks the rows granted (unless `mark` is false: a block leaves that to each
 * attempt's own first write, see beginAttempt, one statement fewer per claim). Returns what
 * reached a running delivery, and the leases whose delivery no longer runs.
 */
export async function startGrants(deps: Pick<GrantDeps, 'db' | 'deliveries'>, rows: ClaimedRow[], queued: Grant[], probe: boolean, mark = true) {
  const grants = [...queued, ...rows.map((r) => ({ deliveryId: r.id, leaseId: r.lease_id }))];
  const grantOf = (leaseId: string): PermitGrant => ({ leaseId, probe });
  const fresh = rows.filter((r) => r.workflow_started_at === null);
  const started = await deps.deliveries.startHolding(fresh.map((row) => ({ delivery: row, grant: grantOf(row.lease_id) })));
  const freshIds = new Set(fresh.map((r) => r.id));
  const told = await Promise.all(grants.filter((g) => !freshIds.has(g.deliveryId))
    .map(async (g) => ((await deps.deliveries.grant(g.deliveryId, grantOf(g.leaseId))) ? null : g.leaseId)));
  const gone = told.filter((leaseId): leaseId is string => leaseId !== null);
  if (mark) await markGranted(deps.db, rows.filter((r) => !gone.includes(r.lease_id)).map((r) => r.id), started);
  return { granted: grants.filter((g) => !gone.includes(g.leaseId)), gone };
}

/**
 * One grant batch of an endpoint's turn (docs/permits.md), run as its local activity: claims up
 * to `room` waiting rows and hands them their permits (see startGrants); with `lendMs`, lends
 * the room to this process as a block instead. Repeated after a crash, the batch id claims the
 * same rows and grants the same leases: a workflow started already gets its grant again, which
 * it ignores. Returns the leases granted, and those whose delivery no longer runs.
 */
export async function grantBatch(deps: GrantDeps, input: GrantBatchInput): Promise<GrantBatchResult> {
  if (input.lendMs) return deps.blocks.lend(input);
  const { rows, backlog } = await claimRows(deps.db, { webhookId: input.webhookId, batchId: input.batchId, room: input.room });
  const queued = input.queued ?? [];
  deps.releases.expect(input.webhookId, [...queued.map((q) => q.leaseId), ...rows.map((r) => r.lease_id)], input.maxConcurrency);
  const { granted, gone } = await startGrants(deps, rows, queued, input.probe);
  deps.releases.forget(input.webhookId, gone);
  if (input.rateDelayed) deps.metrics?.permitsRateDelayed.inc(Math.min(input.rateDelayed, rows.length));
  return { granted, claimed: rows.length, gone, backlog };
}
