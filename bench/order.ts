import { percentile } from './measure';

/**
 * What the receiver saw of each delivery, stamped with a counter of its own (no ties, unlike
 * milliseconds) and with the time: the first receipt of each delivery, the first 2xx answer it
 * was given, and how many requests each endpoint had in flight at once.
 */
export class ReceiptLog {
  private tick = 0;
  private readonly firstReceipt = new Map<string, { tick: number; at: number }>();
  private readonly firstAnswer2xx = new Map<string, { tick: number; at: number }>();
  private readonly inFlight = new Map<string, number>();
  /** By endpoint (the receiver URL's `endpoint` parameter). */
  readonly maxInFlight = new Map<string, number>();

  received(deliveryId: string, endpoint: string): void {
    const now = { tick: ++this.tick, at: Date.now() };
    if (!this.firstReceipt.has(deliveryId)) this.firstReceipt.set(deliveryId, now);
    const inFlight = (this.inFlight.get(endpoint) ?? 0) + 1;
    this.inFlight.set(endpoint, inFlight);
    if (inFlight > (this.maxInFlight.get(endpoint) ?? 0)) this.maxInFlight.set(endpoint, inFlight);
  }

  /** Called as the answer is written (the delivery's attempt is over for the receiver). */
  answered(deliveryId: string, endpoint: string, ok: boolean): void {
    const now = { tick: ++this.tick, at: Date.now() };
    if (ok && !this.firstAnswer2xx.has(deliveryId)) this.firstAnswer2xx.set(deliveryId, now);
    this.inFlight.set(endpoint, (this.inFlight.get(endpoint) ?? 1) - 1);
  }

  /** The most requests in flight at once at any one endpoint, and the least such maximum. */
  inFlightPerEndpoint(): { max: number; min_of_max: number } {
    const values = [...this.maxInFlight.values()];
    return { max: Math.max(0, ...values), min_of_max: values.length ? Math.min(...values) : 0 };
  }

  /**
   * Checks each line (delivery ids in publish order): a delivery's first receipt must come
   * after the 2xx answer to the one ahead of it. A pair is left unchecked when the one ahead
   * never got a 2xx (dead-lettered or lost: the line may go on without it) or the one behind
   * never arrived (counted as lost elsewhere). `overtakes`: the one behind arrived even before
   * the one ahead was first received. `handoff_ms`: from the answer to the one ahead to the
   * first receipt of the one behind, over the pairs whose second event was accepted by then
   * (the time a line waits between its deliveries).
   */
  checkLines(lines: string[][], acceptedAt: Map<string, number>) {
    let pairs = 0;
    let violations = 0;
    let overtakes = 0;
    let unchecked = 0;
    const handoffs: number[] = [];
    for (const line of lines) {
      for (let i = 1; i < line.length; i++) {
        const ahead = this.firstAnswer2xx.get(line[i - 1]);
        const behind = this.firstReceipt.get(line[i]);
        if (!ahead || !behind) {
          unchecked++;
          continue;
        }
        pairs++;
        if (behind.tick < ahead.tick) violations++;
        const aheadReceived = this.firstReceipt.get(line[i - 1]);
        if (aheadReceived && behind.tick < aheadReceived.tick) overtakes++;
        const accepted = acceptedAt.get(line[i]);
        if (behind.tick > ahead.tick && accepted !== undefined && accepted <= ahead.at) handoffs.push(behind.at - ahead.at);
      }
    }
    handoffs.sort((a, b) => a - b);
    return {
      lines: lines.length,
      pairs_checked: pairs,
      order_violations: violations,
      overtakes,
      unchecked_pairs: unchecked,
      handoff_ms: { count: handoffs.length, p50: percentile(handoffs, 50), p95: percentile(handoffs, 95), max: handoffs[handoffs.length - 1] ?? 0 },
    };
  }
}
