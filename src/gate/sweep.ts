import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { PeriodicPass } from '../events/periodicPass';
import { EXPIRED_ERROR } from '../../workflows/statuses';
import type { DeliveryControl } from '../temporal/deliveryControl';
import type { EndpointControl } from '../temporal/endpointControl';
import { circuitsOverdue } from './circuit';
import type { Dispatcher } from './dispatcher';
import { expireLeases } from './leases';
import { deadLetterOrphan, expireWaitingRows, overdueRetries, scheduledRowsDue, webhooksWithWaitingRows } from './queue';

/** A retry this many passes late in asking for its lease, holding none, makes the sweep ask whether its workflow still runs (a minute by default). */
const OVERDUE_RETRY_PASSES = 12;
/** An open period this long past its end, still open, means its endpoint workflow missed the opening. */
const LATE_HALF_OPEN_MS = 10_000;

export interface SweepDeps {
  db: Knex;
  dispatcher: Pick<Dispatcher, 'dispatch' | 'claimAt'>;
  deliveries: Pick<DeliveryControl, 'isRunning'>;
  endpoints: Pick<EndpointControl, 'circuitChanged'>;
  log: Logger;
  deadLettered: (deliveryId: string) => Promise<void>;
}

export interface SweepOptions {
  intervalMs: number;
  /** The maximum delivery age: rows that waited longer without a start are dead-lettered here. */
  maxDeliveryAgeMs: number;
  /** The open period (CONTINUUM_CIRCUIT_OPEN_DURATION). */
  openDurationMs: number;
  /** Rows younger than this are left to the claim of the process that wrote them. */
  graceMs?: number;
}

/**
 * The gate's slow periodic pass (docs/permits.md), in API processes: it deletes expired leases
 * (their holder died) and puts their rows back in the queue; claims for webhooks whose due rows
 * have waited longer than the grace (Temporal was down, a process died); arms the claims of
 * scheduled rows coming due (a restart loses none); dead-letters rows that waited past the
 * maximum delivery age without a start, and deliveries whose workflow is gone (so a fifo line
 * goes on); and tells endpoint workflows of open periods they missed.
 */
export function gateSweep(deps: SweepDeps, options: SweepOptions): PeriodicPass {
  return new PeriodicPass('gate sweep', options.intervalMs, async () => {
    deps.dispatcher.dispatch(await expireLeases(deps.db));
    deps.dispatcher.dispatch(await webhooksWithWaitingRows(deps.db, options.graceMs ?? 2000));
    for (const { webhookId, dueAt } of await scheduledRowsDue(deps.db, 2 * options.intervalMs)) deps.dispatcher.claimAt(webhookId, dueAt);
    for (const deliveryId of await expireWaitingRows(deps.db, options.maxDeliveryAgeMs, EXPIRED_ERROR)) await deps.deadLettered(deliveryId);
    for (const deliveryId of await overdueRetries(deps.db, OVERDUE_RETRY_PASSES * options.intervalMs, 50)) {
      if (!(await deps.deliveries.isRunning(deliveryId)) && (await deadLetterOrphan(deps.db, deliveryId))) await deps.deadLettered(deliveryId);
    }
    for (const { webhookId, tenantId, openedAt } of await circuitsOverdue(deps.db, options.openDurationMs, LATE_HALF_OPEN_MS)) {
      await deps.endpoints.circuitChanged({ webhookId, tenantId }, { state: 'open', openedAtMs: openedAt.getTime() });
    }
  }, deps.log);
}
