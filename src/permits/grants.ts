import type { Knex } from 'knex';
import { claimWaitingRows, markGranted } from '../db/repositories/permitQueue';
import { HIGH_PRIORITY_EVENTS } from '../events/catalogue';
import type { Metrics } from '../metrics';
import type { DeliveryControl } from '../temporal/deliveryControl';
import type { GrantBatchInput, GrantBatchResult, PermitGrant } from '../../workflows/permits/types';
import type { PermitReleases } from './releases';

export interface GrantDeps {
  db: Knex;
  deliveries: DeliveryControl;
  releases: PermitReleases;
  metrics?: Metrics;
}

/**
 * One grant batch of an endpoint's turn (docs/permits.md), run as its local activity: claims up
 * to `room` waiting rows, starts the workflows of those never started holding their permits
 * (eagerly, in this worker, where Temporal can), and signals the grant to those started
 * already (a later attempt; or, from the previous release, a request by message). Repeated
 * after a crash, the batch id claims the same rows and grants the same leases: a workflow
 * started already gets its grant again, which it ignores. Returns the leases granted, and
 * those whose delivery no longer runs.
 */
export async function grantBatch(deps: GrantDeps, input: GrantBatchInput): Promise<GrantBatchResult> {
  const rows = input.room > 0
    ? await claimWaitingRows(deps.db, { webhookId: input.webhookId, batchId: input.batchId, room: input.room, highPriorityTypes: [...HIGH_PRIORITY_EVENTS] })
    : [];
  const grants = [...(input.queued ?? []), ...rows.map((r) => ({ deliveryId: r.id, leaseId: r.lease_id }))];
  deps.releases.expect(input.webhookId, grants.map((g) => g.leaseId), input.maxConcurrency);
  const grantOf = (leaseId: string): PermitGrant => ({ leaseId, probe: input.probe });
  const fresh = rows.filter((r) => r.workflow_started_at === null);
  const started = await deps.deliveries.startHolding(fresh.map((row) => ({ delivery: row, grant: grantOf(row.lease_id) })));
  const freshIds = new Set(fresh.map((r) => r.id));
  const told = await Promise.all(grants.filter((g) => !freshIds.has(g.deliveryId))
    .map(async (g) => ((await deps.deliveries.grant(g.deliveryId, grantOf(g.leaseId))) ? null : g.leaseId)));
  const gone = told.filter((leaseId): leaseId is string => leaseId !== null);
  deps.releases.forget(input.webhookId, gone);
  await markGranted(deps.db, rows.filter((r) => !gone.includes(r.lease_id)).map((r) => r.id), started);
  if (input.rateDelayed) deps.metrics?.permitsRateDelayed.inc(Math.min(input.rateDelayed, rows.length));
  return { granted: grants.filter((g) => !gone.includes(g.leaseId)), claimed: rows.length, gone };
}
