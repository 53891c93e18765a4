/** The benchmark scenarios; `scale` multiplies counts and durations (1 = the full size). */
export interface Scenario {
  name: string;
  endpoints: number;
  /** Events to publish (each reaches every endpoint). */
  events: number;
  /** Publish at this rate instead of as fast as accepted. */
  ratePerS?: number;
  receiverLatencyMs: number;
  /** Share of attempts answered 503. */
  failureRate: number;
  /**
   * Fifo webhooks; event i is published with ordering_key `k${i % orderingKeys}`, so each
   * webhook has that many lines. The events of one key are published one after the other.
   */
  fifo?: { orderingKeys: number };
  /** Webhook i has a filter that only events with data.shard = i meet (event i has shard i % endpoints). */
  filtered?: boolean;
}

/** `steadyRatePerS` changes the steady scenario's rate (same 60 s × scale): a latency curve. */
export function scenarios(scale: number, steadyRatePerS = 50): Scenario[] {
  const n = (value: number) => Math.max(1, Math.round(value * scale));
  return [
    { name: 'fanout', endpoints: 10, events: n(1000), receiverLatencyMs: 0, failureRate: 0 },
    { name: 'hot', endpoints: 1, events: n(2000), receiverLatencyMs: 20, failureRate: 0 },
    { name: 'failing', endpoints: 2, events: n(500), receiverLatencyMs: 0, failureRate: 0.2 },
    { name: 'steady', endpoints: 1, events: n(steadyRatePerS * 60), ratePerS: steadyRatePerS, receiverLatencyMs: 0, failureRate: 0 },
    // Every webhook fifo, each event in one of 10 lines (per webhook): 10 x 10 lines side by side.
    { name: 'fifo', endpoints: 10, events: n(100), receiverLatencyMs: 0, failureRate: 0, fifo: { orderingKeys: 10 } },
    // Publish's cost of filters: 100 filtered webhooks on one tenant, each event meeting one of
    // them, beside one unfiltered webhook getting every event (as many deliveries either way).
    { name: 'filtered', endpoints: 100, events: n(1000), receiverLatencyMs: 0, failureRate: 0, filtered: true },
    { name: 'unfiltered', endpoints: 1, events: n(1000), receiverLatencyMs: 0, failureRate: 0 },
    // Many webhooks each seeing little: what idle endpoints cost (open workflows, cache).
    { name: 'wide', endpoints: n(1000), events: 5, receiverLatencyMs: 0, failureRate: 0 },
  ];
}
