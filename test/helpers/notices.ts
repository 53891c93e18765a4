import type { Receiver } from './receiver';
import { eventually } from './wait';

/** A delivered event as the receiver got it (the signed body, parsed). */
export interface Delivered {
  event: string;
  tenant_id: string;
  data: Record<string, any>;
  deliveryId: string;
}

/** What the receiver got, parsed; only events of `type` when given. */
export function delivered(receiver: Receiver, type?: string): Delivered[] {
  return receiver.requests
    .map((r) => ({ ...(JSON.parse(r.body) as Omit<Delivered, 'deliveryId'>), deliveryId: String(r.headers['x-continuum-delivery']) }))
    .filter((d) => type === undefined || d.event === type);
}

/** Waits until the receiver got at least `count` events of `type`; returns them. */
export function waitForDelivered(receiver: Receiver, type: string, count = 1, timeoutMs = 30_000): Promise<Delivered[]> {
  return eventually(`${count} ${type} delivered`, async () => {
    const found = delivered(receiver, type);
    return found.length >= count ? found : null;
  }, timeoutMs);
}

/** Receivers may get a delivery twice (at-least-once): the distinct deliveries. */
export function distinctDeliveries(events: Delivered[]): Delivered[] {
  return [...new Map(events.map((e) => [e.deliveryId, e])).values()];
}

/** Gives the system time to do what it should not (a notice sent twice, a webhook disabled again). */
export function settle(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
