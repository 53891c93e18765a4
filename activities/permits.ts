import type { Knex } from 'knex';
import type { CircuitState, DeliveryStatus, GrantBatchInput } from '../workflows/types';
import { setDeliveryStatus } from '../src/db/repositories/deliveries';
import { revokeBlock, showCircuitOnWaitingRows, wantPermit, withdrawPermitRequest } from '../src/db/repositories/permitQueue';
import type { OperationalEvents } from '../src/events/operational';
import type { DeliveryControl } from '../src/temporal/deliveryControl';
import type { Metrics } from '../src/metrics';
import { grantBatch } from '../src/permits/grants';
import type { PermitBlocks } from '../src/permits/blocks';
import type { PermitReleases } from '../src/permits/releases';
import type { EndpointWaker } from '../src/permits/waker';

export interface PermitDeps {
  db: Knex;
  /** The delivery workflows' client-side control (grant batches start and signal them). */
  deliveries: DeliveryControl;
  /** Wakes endpoints whose queue a delivery joined. */
  waker: EndpointWaker;
  /** Permits go back to endpoint workflows through it, coalesced. */
  releases: PermitReleases;
  /** Blocks of permits lent to this process (a grant batch that lends goes to them). */
  blocks: Pick<PermitBlocks, 'lend'>;
  /** Circuit changes and dead letters are reported through it (operational events). */
  operational: OperationalEvents;
  metrics?: Metrics;
}

/** The permit protocol's activities (docs/permits.md); the attempt's release is in attempt.ts. */
export function createPermitActivities(deps: PermitDeps) {
  return {
    grantBatch: (input: GrantBatchInput) => grantBatch(deps, input),

    async askForPermit(input: { deliveryId: string }): Promise<{ held: boolean } | null> {
      const row = await wantPermit(deps.db, input.deliveryId);
      if (!row) return null;
      deps.waker.wake([row.webhook_id]);
      return { held: row.status === 'waiting_circuit' };
    },

    withdrawPermitRequest: (input: { deliveryId: string }) => withdrawPermitRequest(deps.db, input.deliveryId),

    async returnPermits(input: { webhookId: string; leaseIds: string[] }): Promise<void> {
      input.leaseIds.forEach((leaseId) => deps.releases.give(input.webhookId, { leaseId, outcome: 'none' }, true));
    },

    async setDeliveryStatus(input: { deliveryId: string; status: DeliveryStatus; error?: string }): Promise<void> {
      await setDeliveryStatus(deps.db, input.deliveryId, input.status, input.error);
      // A delivery that waited past its age limit is dead-lettered here (the others by their last attempt).
      if (input.status === 'dead_lettered') await deps.operational.deadLettered(input.deliveryId);
    },

    /** Mirrors the circuit in the webhook row and its waiting rows; emits webhook.circuit_opened / circuit_closed when due. */
    async recordCircuitState(input: { webhookId: string; state: CircuitState; openedAtMs: number | null }): Promise<void> {
      await deps.operational.circuitChanged(input.webhookId, input.state, input.openedAtMs === null ? null : new Date(input.openedAtMs));
      // An open circuit lets no block claim rows any more (it goes back at its end).
      if (input.state !== 'closed') await revokeBlock(deps.db, input.webhookId);
      await showCircuitOnWaitingRows(deps.db, input.webhookId, input.state !== 'closed');
    },
  };
}
