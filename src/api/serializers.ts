import type { AttemptRow, DeliveryRow, EventRow, WebhookRow } from '../db/types';
import type { RecoveryRow } from '../db/repositories/recoveries';
import { maskHeaders } from '../security/customHeaders';
import { maskSecret } from '../security/secrets';
import { formatDuration } from '../config';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/**
 * A webhook as the API shows it; `secret` is masked unless the plaintext is passed (create,
 * rotate). Custom headers are always shown by name with masked values.
 */
export function webhookJson(row: WebhookRow, plaintextSecret?: string) {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    name: row.name,
    description: row.description,
    active: row.active,
    // Set when the webhook was disabled because its circuit stayed open; null otherwise.
    disabled_reason: row.disabled_reason ?? null,
    disabled_at: iso(row.disabled_at ?? null),
    max_concurrency: row.max_concurrency,
    rate_limit_per_s: row.rate_limit_per_s,
    headers: maskHeaders(row.header_names),
    ordering: row.ordering,
    // Null: the installation's schedule (CONTINUUM_RETRY_SCHEDULE).
    retry_schedule: row.retry_schedule_ms === null ? null : row.retry_schedule_ms.map(formatDuration),
    filter: row.filter ?? null,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    secret: plaintextSecret ?? maskSecret(),
  };
}

/** The circuit as the gate has it (the webhook row), with its leases in flight and the rows waiting for one. */
export function circuitJson(row: WebhookRow, openDurationMs: number, inFlight: number, waiting: number) {
  const openedAt = row.circuit_state === 'closed' ? null : row.circuit_opened_at;
  return {
    state: row.circuit_state,
    consecutive_failures: row.circuit_failures,
    opened_at: iso(openedAt),
    half_open_at: row.circuit_state === 'open' && openedAt ? iso(new Date(openedAt.getTime() + openDurationMs)) : null,
    in_flight: inFlight,
    queued: waiting,
  };
}

export function eventJson(row: EventRow) {
  return {
    id: row.id,
    event: row.type,
    // From the signed body rather than the jsonb copy, so keys keep the order they were sent in.
    data: (JSON.parse(row.body) as { data: unknown }).data,
    idempotency_key: row.idempotency_key,
    created_at: iso(row.created_at),
  };
}

export function deliveryJson(row: DeliveryRow & { event_type?: string; waiting_for?: string | null }) {
  return {
    id: row.id,
    webhook_id: row.webhook_id,
    event_id: row.event_id,
    ...(row.event_type ? { event: row.event_type } : {}),
    status: row.status,
    attempt_count: row.attempt_count,
    next_attempt_at: iso(row.next_attempt_at),
    last_status_code: row.last_status_code,
    error_message: row.last_error,
    ordering_key: row.ordering_key ?? null,
    deliver_at: iso(row.deliver_at ?? null),
    // On a fifo webhook: the open delivery just ahead in its line, which this one waits for.
    waiting_for: row.waiting_for ?? null,
    created_at: iso(row.created_at),
    completed_at: iso(row.completed_at),
  };
}

export function attemptJson(row: AttemptRow) {
  return {
    attempt_number: row.attempt_number,
    started_at: iso(row.started_at),
    duration_ms: row.duration_ms,
    status_code: row.status_code,
    error_message: row.error_message,
    response_body: row.response_body,
    trigger: row.trigger,
  };
}

export function recoveryJson(row: RecoveryRow) {
  return {
    id: row.id,
    webhook_id: row.webhook_id,
    status: row.status,
    since: iso(row.since),
    until: iso(row.until),
    statuses: row.statuses,
    matched: row.matched,
    started: row.started,
    succeeded: row.succeeded,
    failed: row.failed,
    created_at: iso(row.created_at),
    completed_at: iso(row.completed_at),
  };
}
