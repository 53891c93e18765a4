import type { Knex } from 'knex';
import type { CircuitChange, DeliveryActivities, DeliveryStatus, EndpointActivities } from '../workflows/types';
import { setDeliveryStatus } from '../src/db/repositories/deliveries';
import type { OperationalEvents } from '../src/events/operational';
import type { GateSettings } from '../src/gate/attempts';
import { halfOpen, resetCircuit, type CircuitNow } from '../src/gate/circuit';
import type { Dispatcher } from '../src/gate/dispatcher';
import { claimLeases, giveBackLeases } from '../src/gate/leases';
import { finalStatus, joinQueue, leaveQueue } from '../src/gate/queue';

export interface GateDeps {
  db: Knex;
  /** Hands out the leases the gate's transactions take (starts and signals their deliveries). */
  dispatcher: Pick<Dispatcher, 'handOut' | 'dispatch'>;
  gate: GateSettings;
  /** Circuit changes and dead letters are reported through it (operational events). */
  operational: OperationalEvents;
}

/** The gate's activities other than the attempt (docs/permits.md): the queue, leases handed back, the circuit's timer and reset. */
export function createGateActivities(deps: GateDeps) {
  return {
    /** The row joins the queue and, in one transaction, the webhook's free leases are taken: this delivery's comes back here, the others are handed out. */
    async askForLease(input: { deliveryId: string }): ReturnType<DeliveryActivities['askForLease']> {
      const row = await joinQueue(deps.db, input.deliveryId);
      if (!row) {
        const ended = await finalStatus(deps.db, input.deliveryId);
        return ended ? { lease: null, held: false, ended } : null;
      }
      const leased = await claimLeases(deps.db, row.webhook_id, deps.gate.claim);
      const own = leased.rows.find((l) => l.id === input.deliveryId);
      deps.dispatcher.handOut({ ...leased, rows: leased.rows.filter((l) => l !== own) });
      return { lease: own ? { leaseId: own.lease_id } : null, held: row.status === 'waiting_circuit' };
    },

    leaveQueue: (input: { deliveryId: string }) => leaveQueue(deps.db, input.deliveryId),

    async giveBackLeases(input: { leaseIds: string[] }): Promise<void> {
      deps.dispatcher.dispatch(await giveBackLeases(deps.db, input.leaseIds, false));
    },

    async setDeliveryStatus(input: { deliveryId: string; status: DeliveryStatus; error?: string }): Promise<void> {
      await setDeliveryStatus(deps.db, input.deliveryId, input.status, input.error);
      // A delivery that waited past its age limit is dead-lettered here (the others by their last attempt).
      if (input.status === 'dead_lettered') await deps.operational.deadLettered(input.deliveryId);
    },
  };
}

/** The endpoint workflow's local activities: the circuit's transitions it writes. */
export function createEndpointActivities(deps: GateDeps): EndpointActivities {
  return {
    halfOpenCircuit: async (input) => changed(deps, await halfOpen(deps.db, input.webhookId, new Date(input.openedAtMs), deps.gate)),
    resetCircuit: async (input) => changed(deps, await resetCircuit(deps.db, input.webhookId, deps.gate)),
  };
}

function changed(deps: GateDeps, now: CircuitNow): CircuitChange {
  deps.dispatcher.handOut(now.leased);
  deps.operational.started([now.notice]);
  return { state: now.state, openedAtMs: now.openedAt?.getTime() ?? null };
}
