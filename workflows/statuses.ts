export const DELIVERY_STATUSES = [
  'pending',
  'in_flight',
  'retrying',
  'waiting_circuit',
  'succeeded',
  'dead_lettered',
  'cancelled',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
export const FINAL_STATUSES: readonly DeliveryStatus[] = ['succeeded', 'dead_lettered', 'cancelled'];

/** Why a delivery of a deleted or deactivated webhook ends without (more) attempts. */
export const WEBHOOK_RETIRED_ERROR = 'webhook deleted or deactivated';

/** Why a delivery that waited for a lease past the maximum delivery age was dead-lettered. */
export const EXPIRED_ERROR = 'expired: waited longer than the maximum delivery age for the endpoint';

/** What an attempt tells the breaker: a 2xx, a failure, or nothing (410 Gone, a lease handed back unused). */
export type Outcome = 'success' | 'failure' | 'none';

/** What an attempt that ended in this status tells the endpoint's circuit. */
export function breakerOutcome(status: DeliveryStatus): Outcome {
  if (status === 'succeeded') return 'success';
  return status === 'cancelled' ? 'none' : 'failure';
}
