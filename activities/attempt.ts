import type { Knex } from 'knex';
import { ApplicationFailure } from '@temporalio/activity';
import { setDeliveryStatus } from '../src/db/repositories/deliveries';
import { beginAttempt, findAttemptByLease, recordAttempt, whyNotSent, type GateSettings, type Recorded } from '../src/gate/attempts';
import type { Dispatcher as GateDispatcher } from '../src/gate/dispatcher';
import type { Metrics } from '../src/metrics';
import type { OperationalEvents } from '../src/events/operational';
import { disableGoneWebhook, type GoneDeps } from '../src/webhooks/gone';
import type { AttemptRequest, AttemptResult } from '../workflows/types';
import { breakerOutcome, WEBHOOK_RETIRED_ERROR } from '../workflows/statuses';
import { giveBackLeases } from '../src/gate/leases';
import { signedPost, type SignedPostDeps } from './signedPost';

export interface AttemptDeps extends Omit<GoneDeps, 'operational'>, SignedPostDeps {
  db: Knex;
  /** The breaker's threshold and how the next leases are claimed. */
  gate: GateSettings;
  /** Hands out the next leases an attempt's record took. */
  dispatcher: Pick<GateDispatcher, 'handOut' | 'dispatch'>;
  /** How long a confirmed lease lasts: the attempt's bound and a margin (docs/permits.md). */
  leaseBoundMs: number;
  metrics?: Metrics;
  /** A delivery dead-lettered by its last attempt is reported through it. */
  operational: OperationalEvents;
}

/** An endpoint that answers 410 wants no more deliveries (the test endpoint's 410 is only reported). */
const GONE_STATUS = 410;
export const GONE_ERROR = 'the endpoint answered 410 Gone: webhook disabled';
const isGone = (statusCode: number | null, trigger: AttemptRequest['trigger']) => statusCode === GONE_STATUS && trigger !== 'test';

/** Succeeded on a 2xx; cancelled on a 410 Gone; otherwise retrying, or dead-lettered when no retry is left. */
function outcomeStatus(statusCode: number | null, scheduledWaitMs: number | null, trigger: AttemptRequest['trigger']): 'succeeded' | 'retrying' | 'dead_lettered' | 'cancelled' {
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) return 'succeeded';
  if (isGone(statusCode, trigger)) return 'cancelled';
  return scheduledWaitMs === null ? 'dead_lettered' : 'retrying';
}

/** No attempt: the delivery is unknown (a bug: not retried), its webhook is gone, it ended already, or its lease is no longer held. */
async function skipAttempt(deps: AttemptDeps, request: AttemptRequest): Promise<AttemptResult> {
  const why = await whyNotSent(deps.db, request.deliveryId);
  if (why === 'unknown') throw ApplicationFailure.nonRetryable(`delivery ${request.deliveryId} not found`);
  const none = { attemptNumber: 0, statusCode: null, durationMs: 0, nextWaitMs: null };
  if (why === 'lease_lost') return { ...none, status: 'retrying', error: 'lease expired before the attempt', leaseLost: true };
  // A lease no attempt will use goes back.
  deps.dispatcher.dispatch(await giveBackLeases(deps.db, [request.leaseId], false));
  // A spare lease: the workflow, asking again, finds its delivery ended.
  if (why === 'ended') return { ...none, status: 'retrying', error: 'the delivery ended already', leaseLost: true };
  await setDeliveryStatus(deps.db, request.deliveryId, 'cancelled', WEBHOOK_RETIRED_ERROR);
  return { ...none, status: 'cancelled', error: WEBHOOK_RETIRED_ERROR };
}

export function createAttemptActivity(deps: AttemptDeps) {
  const now = deps.now ?? Date.now;

  /** After the commit: the next leases go out, the endpoint workflow hears of a moved circuit, the notice starts. */
  async function afterRecord(recorded: Recorded, webhookId: string, tenantId: string): Promise<void> {
    deps.dispatcher.handOut(recorded.leased);
    deps.operational.started([recorded.notice]);
    if (recorded.circuit) {
      // Lost (Temporal away, a crash): the sweep tells it of an open period it missed.
      await deps.endpoints.circuitChanged({ webhookId, tenantId }, { state: recorded.circuit.state, openedAtMs: recorded.circuit.openedAt?.getTime() ?? null })
        .catch(() => undefined);
    }
  }

  /**
   * After the record: should this fail, the activity runs again, finds its attempt made
   * and reports again (the notice's key makes the repeat store nothing).
   */
  async function reportDeadLetter(status: AttemptResult['status'], deliveryId: string): Promise<void> {
    if (status === 'dead_lettered') await deps.operational.deadLettered(deliveryId);
  }

  /** What an attempt recorded before (its workflow task failed after the record) reports again; nothing is sent twice. */
  async function reportMade(request: AttemptRequest, made: NonNullable<Awaited<ReturnType<typeof findAttemptByLease>>>): Promise<AttemptResult> {
    const status = outcomeStatus(made.status_code, request.scheduledWaitMs, request.trigger);
    await reportDeadLetter(status, request.deliveryId);
    if (status === 'cancelled') await disableGoneWebhook(deps, request.webhookId, request.deliveryId);
    return {
      attemptNumber: made.attempt_number, status, statusCode: made.status_code, error: made.error_message,
      durationMs: made.duration_ms, nextWaitMs: status === 'retrying' ? request.scheduledWaitMs : null,
    };
  }

  /** One signed POST under a confirmed lease, recorded as an attempt together with the delivery's new state and the breaker. */
  return async function attemptDelivery(request: AttemptRequest): Promise<AttemptResult> {
    const ctx = await beginAttempt(deps.db, request.deliveryId, request.leaseId, deps.leaseBoundMs);
    if (!ctx) {
      const made = await findAttemptByLease(deps.db, request.deliveryId, request.leaseId);
      return made ? reportMade(request, made) : skipAttempt(deps, request);
    }
    const attemptNumber = ctx.attempt_count;
    const startedAt = new Date(now());
    const result = await signedPost(deps, ctx, request, attemptNumber);
    const durationMs = Math.max(0, now() - startedAt.getTime());
    const status = outcomeStatus(result.statusCode, request.scheduledWaitMs, request.trigger);
    deps.metrics?.observeAttempt(status === 'succeeded', durationMs);
    // Retry-After may lengthen the scheduled wait, never shorten it.
    const nextWaitMs = status === 'retrying' ? Math.max(request.scheduledWaitMs ?? 0, result.retryAfterMs ?? 0) : null;
    const error = status === 'cancelled' ? GONE_ERROR : result.error;
    const recorded = await recordAttempt(deps.db, {
      deliveryId: request.deliveryId, webhookId: ctx.webhook_id, leaseId: request.leaseId, attemptNumber, startedAt, durationMs,
      statusCode: result.statusCode, errorMessage: error, responseBody: result.responseBody, trigger: request.trigger, probe: ctx.probe,
      newStatus: status, nextAttemptAt: nextWaitMs === null ? null : new Date(now() + nextWaitMs), outcome: breakerOutcome(status),
    }, deps.gate);
    await afterRecord(recorded, ctx.webhook_id, ctx.tenant_id);
    await reportDeadLetter(status, request.deliveryId);
    if (status === 'cancelled') await disableGoneWebhook(deps, ctx.webhook_id, request.deliveryId);
    return { attemptNumber, status, statusCode: result.statusCode, error, durationMs, nextWaitMs };
  };
}
