// The upgrade from the release of 2026-12-05 (docs/permits.md, "Upgrading"): that release's
// delivery and endpoint workflow types are not in this build, so its open runs are taken over
// rather than finished. Remove this folder, with migration 016's `release_handover` table, in
// the release after this one (its upgrade notes say to finish the handover first).
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { PeriodicPass } from '../events/periodicPass';
import { FINAL_STATUSES, type DeliveryStatus, type DeliveryToStart } from '../db/types';
import type { DeliveryControl } from '../temporal/deliveryControl';
import type { EndpointControl } from '../temporal/endpointControl';
import type { TemporalConnector } from '../temporal/client';

/** The previous release's workflow types. */
const PREVIOUS_ENDPOINT_TYPES = ['endpointWorkflow'];
const BATCH = 50;

export interface HandoverDeps {
  db: Knex;
  temporal: TemporalConnector;
  deliveries: Pick<DeliveryControl, 'takeOver'>;
  endpoints: Pick<EndpointControl, 'circuitChanged'>;
  log: Logger;
}

/**
 * Ends the previous release's endpoint workflows still running (their permits meant nothing
 * now: Postgres counts leases) and starts this release's for each circuit that is not closed,
 * with its stored open period, so it half-opens on time. Returns the webhooks taken over.
 */
export async function takeOverEndpoints(deps: HandoverDeps): Promise<string[]> {
  const client = await deps.temporal.client();
  const types = PREVIOUS_ENDPOINT_TYPES.map((t) => `'${t}'`).join(', ');
  const taken: string[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowType IN (${types}) AND ExecutionStatus = 'Running'` })) {
    await client.workflow.getHandle(run.workflowId, run.runId).terminate('taken over by this release (src/upgrade/handover.ts)');
    const webhookId = run.workflowId.replace(/^endpoint:/, '');
    const row = await deps.db('webhooks').where({ id: webhookId, active: true }).whereNull('deleted_at').whereNot({ circuit_state: 'closed' })
      .first<{ tenant_id: string; circuit_state: 'open' | 'half_open'; circuit_opened_at: Date | null } | undefined>('tenant_id', 'circuit_state', 'circuit_opened_at');
    if (row) {
      await deps.endpoints.circuitChanged({ webhookId, tenantId: row.tenant_id }, { state: row.circuit_state, openedAtMs: row.circuit_opened_at?.getTime() ?? Date.now() });
    }
    taken.push(webhookId);
  }
  return taken;
}

/**
 * Takes over a batch of the deliveries the previous release's workflows held open (listed by
 * migration 016): each gets this release's workflow in place of the old run (terminated), with
 * the attempts made and the wait left. A delivery in flight at the upgrade is attempted again
 * (at least once). Returns how many were taken over; 0 when the list is empty.
 */
export async function takeOverDeliveries(deps: HandoverDeps): Promise<number> {
  return deps.db.transaction(async (tx) => {
    const rows: Array<DeliveryToStart & { status: DeliveryStatus; attempt_count: number; next_attempt_at: Date | null }> = await tx('release_handover as h')
      .join('deliveries as d', 'd.id', 'h.delivery_id').join('events as e', 'e.id', 'd.event_id')
      .select('d.id', 'd.tenant_id', 'd.webhook_id', 'd.created_at', 'd.retry_schedule_ms', 'd.trace_parent', 'd.status', 'd.attempt_count', 'd.next_attempt_at', 'e.type as event_type')
      .orderBy('h.delivery_id').limit(BATCH).forUpdate('h').skipLocked();
    for (const row of rows) {
      if (!FINAL_STATUSES.includes(row.status)) {
        const waitMs = row.status === 'retrying' && row.next_attempt_at ? Math.max(0, row.next_attempt_at.getTime() - Date.now()) : 0;
        await deps.deliveries.takeOver(row, { attemptsMade: row.attempt_count, waitMs });
      }
      await tx('release_handover').where({ delivery_id: row.id }).del();
    }
    // Rows whose delivery was deleted meanwhile (retention) leave the list too.
    if (rows.length === 0) await tx('release_handover').whereNotExists(tx('deliveries').whereRaw('deliveries.id = release_handover.delivery_id')).del();
    return rows.length;
  });
}

/** The handover as a pass of API processes: endpoints once at start, then deliveries until none is left. */
export function handoverPass(deps: HandoverDeps, intervalMs: number): PeriodicPass {
  let endpointsDone = false;
  let deliveriesDone = false;
  return new PeriodicPass('release handover', intervalMs, async () => {
    if (!endpointsDone) {
      const taken = await takeOverEndpoints(deps);
      if (taken.length > 0) deps.log.info({ count: taken.length }, 'took over the previous release\'s endpoint workflows');
      endpointsDone = true;
    }
    while (!deliveriesDone) {
      const count = await takeOverDeliveries(deps);
      if (count > 0) deps.log.info({ count }, 'took over deliveries of the previous release');
      deliveriesDone = count === 0;
    }
  }, deps.log);
}
