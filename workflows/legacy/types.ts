// Types of the previous release's permit messages and activities, used only by its workflow
// code kept in this folder (see delivery.ts, endpoint.ts).
import type { CircuitState, DeliveryStatus, PermitRequest } from '../types';
import type { AttemptRequest, AttemptResult } from '../types';

/** What the previous endpoint loop told a delivery: it holds a permit, or waits for the circuit. */
export type DeliveryNotice =
  | { kind: 'granted'; deliveryId: string; leaseId: string; probe: boolean }
  | { kind: 'circuit_waiting'; deliveryId: string; leaseId: string };

export interface LegacyDeliveryActivities {
  attemptDelivery(input: AttemptRequest): Promise<AttemptResult>;
  /** Signal-with-start of the endpoint workflow; false when the webhook is deleted or inactive. */
  requestPermit(input: { webhookId: string; tenantId: string; request: PermitRequest }): Promise<boolean>;
  /** (Never run on the current code: an endpoint run continues as new before its next notice.) */
  notifyDeliveries(input: { notices: DeliveryNotice[]; rateDelayed?: number }): Promise<string[]>;
  setDeliveryStatus(input: { deliveryId: string; status: DeliveryStatus; error?: string }): Promise<void>;
  recordCircuitState(input: { webhookId: string; state: CircuitState; openedAtMs: number | null }): Promise<void>;
}
