import assert from 'node:assert/strict';
import { DeliveryStream } from './deliveryStream';
import { HealthPoller } from './healthPoller';
import { Receiver } from './receiver';
import { apiClient } from './system';
import { eventually } from './wait';

export interface FaultRunOptions {
  /** API base URL (without /api/v1) and a key of its tenant. */
  baseUrl: string;
  apiKey: string;
  /** A fresh webhook subscribes to this event alone, so the stream counts only its deliveries. */
  event: string;
  /** The dependency the fault takes away, as health names it. */
  dependency: 'database' | 'temporal';
  /** Takes the dependency away and, unless it comes back by itself, brings it back. */
  fault: () => Promise<void>;
  /** The receiver made here joins these, for the caller to stop. */
  receivers: Receiver[];
}

/**
 * A stream of deliveries to a receiver of its own, with health and /metrics polled, across
 * `fault`: it starts publishing, lets some deliveries be accepted, runs the fault, waits until
 * health has seen the dependency down and back, lets some more be accepted, then stops. Every
 * poll must have answered within the client's 1 s timeout. The caller then verifies the stream.
 */
export async function streamAcrossFault(options: FaultRunOptions): Promise<{ stream: DeliveryStream; receiver: Receiver }> {
  const { baseUrl, apiKey, event, dependency } = options;
  const receiver = await new Receiver().start();
  options.receivers.push(receiver);
  const created = await apiClient(baseUrl, apiKey)('POST', '/webhooks', { url: receiver.url, events: [event], name: `across ${dependency}` });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  const stream = new DeliveryStream({ baseUrl, apiKey, webhookId: created.body.id, event }).start();
  const health = new HealthPoller(baseUrl).start();
  try {
    await stream.acceptedMore(15);
    await options.fault();
    await eventually(`health saw ${dependency} down, then answers 200`, async () =>
      health.down(dependency).length > 0 && health.polls.at(-1)?.status === 200, 120_000).catch((err: Error) => {
      // Which half never came, and what health said last.
      throw new Error(`${err.message} (${health.down(dependency).length} of ${health.polls.length} polls saw it down; the last: ${JSON.stringify(health.polls.at(-1))})`);
    });
    await stream.acceptedMore(15);
  } finally {
    await stream.stop();
    await health.stop();
  }
  health.assertAnsweredThrough(dependency);
  return { stream, receiver };
}
