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
