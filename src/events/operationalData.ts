// What operational events say and when they are due: pure, so the rules are unit-tested
// without servers. operational.ts stores them; docs/delivery.md, "Operational events", documents the shapes.
import type { DeadLetter, WebhookRef } from '../db/repositories/deadLetters';
import type { WebhookRow } from '../db/types';
import { isOperationalEventType, TEST_EVENT_TYPE, type OperationalEventType } from './catalogue';

/**
 * Idempotency keys of operational events start with this; tenants may not use it for their own
 * events (the publish schema refuses it), so a tenant's key can never suppress a notice.
 */
export const OPERATIONAL_KEY_PREFIX = 'continuum:';

/** An operational event ready to store: for the tenant's subscribers except the webhook it is about. */
export interface OperationalNotice {
  tenantId: string;
  type: OperationalEventType;
  /** Makes emission idempotent: an activity retried after its commit stores nothing twice. */
  key: string;
  aboutWebhookId: string;
  data: Record<string, unknown>;
}

export type CircuitMirrorState = WebhookRow['circuit_state'];

/** A circuit change as recorded: the open period it belonged to before and after. */
export interface CircuitChange {
  webhook: WebhookRef;
  state: CircuitMirrorState;
  /** When the current open period began, before this change (null: the circuit was closed). */
  previousOpenSince: Date | null;
  /** ... and after it (null: closed now). */
  openSince: Date | null;
}

const iso = (date: Date) => date.toISOString();

function key(type: OperationalEventType, ...parts: Array<string | number>): string {
  return `${OPERATIONAL_KEY_PREFIX}${type}:${parts.join(':')}`;
}

function aboutWebhook(webhook: WebhookRef) {
  return { webhook_id: webhook.id, webhook_name: webhook.name, webhook_url: webhook.url };
}

/**
 * The notice a circuit change is due: `webhook.circuit_opened` when an open period begins (not
 * when a failed probe re-opens it: that is the same period), `webhook.circuit_closed` when the
 * period ends. Both are keyed by the period's start, so each is stored once per period.
 */
export function circuitNotice(change: CircuitChange, failureThreshold: number, now: Date): OperationalNotice | null {
  const { webhook } = change;
  const base = { tenantId: webhook.tenant_id, aboutWebhookId: webhook.id };
  if (change.state !== 'closed' && change.previousOpenSince === null && change.openSince) {
    return {
      ...base, type: 'webhook.circuit_opened', key: key('webhook.circuit_opened', webhook.id, change.openSince.getTime()),
      data: { ...aboutWebhook(webhook), state: change.state, opened_at: iso(change.openSince), consecutive_failures: failureThreshold },
    };
  }
  if (change.state === 'closed' && change.previousOpenSince) {
    const openedAt = change.previousOpenSince;
    return {
      ...base, type: 'webhook.circuit_closed', key: key('webhook.circuit_closed', webhook.id, openedAt.getTime()),
      data: {
        ...aboutWebhook(webhook), opened_at: iso(openedAt), closed_at: iso(now),
        open_seconds: Math.max(0, Math.round((now.getTime() - openedAt.getTime()) / 1000)),
      },
    };
  }
  return null;
}

/**
 * Dead letters of operational events and of `webhook.test` sends are not reported: a notice
 * about a notice could chain without end, and a failed test answers its caller already.
 */
export function reportsDeadLetter(eventType: string): boolean {
  return !isOperationalEventType(eventType) && eventType !== TEST_EVENT_TYPE;
}

/** `delivery.dead_lettered`, once per delivery and attempt count (a retried delivery may die again). */
export function deadLetterNotice(dead: DeadLetter, now: Date): OperationalNotice {
  const { webhook } = dead;
  return {
    tenantId: webhook.tenant_id, aboutWebhookId: webhook.id, type: 'delivery.dead_lettered',
    key: key('delivery.dead_lettered', dead.delivery_id, dead.attempt_count),
    data: {
      ...aboutWebhook(webhook),
      delivery_id: dead.delivery_id, event_id: dead.event_id, event_type: dead.event_type, attempt_count: dead.attempt_count,
      last_status_code: dead.last_status_code, last_error: dead.last_error, dead_lettered_at: iso(dead.completed_at ?? now),
    },
  };
}

/** The `disabled_reason` of a webhook disabled because its circuit stayed open. */
export function disabledReason(openSince: Date): string {
  return `circuit_open_since ${iso(openSince)}`;
}

/** `webhook.disabled`, keyed by the open period that caused it (a webhook is disabled once per period). */
export function disabledNotice(webhook: WebhookRef, openSince: Date, disabledAt: Date, cancelledDeliveries: number): OperationalNotice {
  return {
    tenantId: webhook.tenant_id, aboutWebhookId: webhook.id, type: 'webhook.disabled',
    key: key('webhook.disabled', webhook.id, openSince.getTime()),
    data: {
      ...aboutWebhook(webhook), reason: disabledReason(openSince), disabled_at: iso(disabledAt),
      circuit_open_since: iso(openSince), cancelled_deliveries: cancelledDeliveries,
    },
  };
}

/** The `disabled_reason` of a webhook disabled because its endpoint answered 410 Gone. */
export const GONE_REASON = 'gone: the endpoint answered 410';

/** `webhook.disabled` for a 410 Gone, keyed by the delivery that got it (each disabling once). */
export function goneNotice(webhook: WebhookRef, deliveryId: string, disabledAt: Date, cancelledDeliveries: number): OperationalNotice {
  return {
    tenantId: webhook.tenant_id, aboutWebhookId: webhook.id, type: 'webhook.disabled',
    key: key('webhook.disabled', webhook.id, 'gone', deliveryId),
    data: {
      ...aboutWebhook(webhook), reason: GONE_REASON, disabled_at: iso(disabledAt),
      circuit_open_since: null, delivery_id: deliveryId, cancelled_deliveries: cancelledDeliveries,
    },
  };
}
