import type { DeliveryStatus } from '../../workflows/statuses';

export { DELIVERY_STATUSES, FINAL_STATUSES, type DeliveryStatus } from '../../workflows/statuses';

import type { AttemptTrigger } from '../../workflows/types';

export type { AttemptTrigger };

/** How a webhook's deliveries are ordered: not at all, or first in, first out per ordering key. */
export const ORDERINGS = ['none', 'fifo'] as const;

export interface WebhookRow {
  id: string;
  tenant_id: string;
  url: string;
  events: string[];
  name: string;
  description: string | null;
  active: boolean;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  previous_secret_expires_at: Date | null;
  max_concurrency: number;
  /** Permits per second its endpoint workflow grants at most; null: no rate limit. */
  rate_limit_per_s: number | null;
  /** Custom headers sent with every attempt: the JSON object {name: value}, sealed; null: none. */
  headers_ciphertext: string | null;
  /** Their names, in the clear, in the order given (reads show them with masked values). */
  header_names: string[];
  circuit_state: 'closed' | 'open' | 'half_open';
  circuit_opened_at: Date | null;
  /** Failures committed since the last success while closed (the breaker's count). */
  circuit_failures: number;
  /** When the circuit's current open period began (null while closed). */
  circuit_open_since: Date | null;
  /** Set when the webhook was disabled automatically (its circuit stayed open); cleared on re-enable. */
  disabled_reason: string | null;
  disabled_at: Date | null;
  /** 'fifo': its deliveries go in order, one line per ordering key (see permitQueue.ts). */
  ordering: 'none' | 'fifo';
  /** Its own waits before retries 1..n, in ms (jsonb); null: the installation's schedule. */
  retry_schedule_ms: number[] | null;
  /** Conditions on the event body an event must meet to be delivered here (json); null: every event of its types. */
  filter: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export interface EventRow {
  id: string;
  tenant_id: string;
  type: string;
  /** Read back parsed; written as JSON text (Postgres parses it, numbers stay exact). */
  payload: Record<string, unknown> | string;
  body: string;
  idempotency_key: string | null;
  created_at: Date;
}

export interface DeliveryRow {
  id: string;
  tenant_id: string;
  webhook_id: string;
  event_id: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: Date | null;
  last_status_code: number | null;
  last_error: string | null;
  workflow_started_at: Date | null;
  created_at: Date;
  completed_at: Date | null;
  /** Set while the delivery waits in its endpoint's queue for a permit (see permitQueue.ts). */
  permit_wanted_at?: Date | null;
  /** Its line on a fifo webhook (null: the webhook's single line), kept for display when out of line. */
  ordering_key?: string | null;
  /** Its place in its line; null: in no line (not fifo when created, or retried after it closed). */
  ordering_seq?: string | null;
  /** Not sent before this (null: at once). */
  deliver_at?: Date | null;
  /** The waits before its retries, as its webhook had them when it was created; null: the installation's. */
  retry_schedule_ms?: number[] | null;
  /** Its publish's W3C traceparent, stored only while tracing is on (docs/tracing.md). */
  trace_parent?: string | null;
  /** 1: served before the others waiting for its webhook (quota events); 0 otherwise. */
  priority?: number;
}

export interface AttemptRow {
  id: string;
  delivery_id: string;
  attempt_number: number;
  started_at: Date;
  duration_ms: number;
  status_code: number | null;
  error_message: string | null;
  response_body: string | null;
  trigger: AttemptTrigger;
}

/** A delivery as its workflow is started from: the row, its event's type and its webhook's limit. */
export interface DeliveryToStart {
  id: string;
  tenant_id: string;
  webhook_id: string;
  event_type: string;
  /** When its age starts counting (the maximum delivery age): created, or due if scheduled later. */
  created_at: Date;
  /** Its own retry schedule (see DeliveryRow); null or absent: the installation's. */
  retry_schedule_ms?: number[] | null;
  /** Its publish's W3C traceparent when tracing was on (its workflow joins that trace). */
  trace_parent?: string | null;
}
