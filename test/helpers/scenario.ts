import assert from 'node:assert/strict';
import type { Receiver } from './receiver';
import type { TestSystem } from './system';
import { eventually } from './wait';

/** Small steps the engine tests repeat: register, publish, look at rows. */
export class Scenario {
  private webhooks: string[] = [];

  constructor(readonly stack: TestSystem) {}

  /** Deletes the webhooks this scenario registered, so the next test's events reach only its own. */
  async cleanup(): Promise<void> {
    for (const id of this.webhooks.splice(0)) {
      const response = await this.stack.api('DELETE', `/webhooks/${id}`);
      assert.equal(response.status, 204);
    }
  }

  async webhook(receiver: Receiver, body: Record<string, unknown> = {}): Promise<string> {
    const created = await this.stack.api('POST', '/webhooks', {
      url: receiver.url, events: ['memory.created', 'quota.warning'], name: 'engine', ...body,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    this.webhooks.push(created.body.id);
    return created.body.id;
  }

  /** Publishes `count` events at once; returns the delivery ids (one webhook subscribed). */
  async publish(count: number, event = 'memory.created'): Promise<string[]> {
    const data = event.startsWith('quota') ? { quota_type: 'memory_storage' } : { memory_id: 'mem_1' };
    const responses = await Promise.all(Array.from({ length: count }, () => this.stack.api('POST', '/events', { event, data })));
    return responses.map((r) => {
      assert.equal(r.status, 202, JSON.stringify(r.body));
      return r.body.delivery_ids[0] as string;
    });
  }

  delivery(id: string) {
    return this.stack.system.db('deliveries').where({ id }).first();
  }

  attempts(id: string) {
    return this.stack.system.db('delivery_attempts').where({ delivery_id: id }).orderBy('attempt_number');
  }

  async waitForStatus(ids: string[], status: string, timeoutMs = 60_000): Promise<void> {
    await eventually(`${ids.length} deliveries ${status}`, async () => {
      const rows = await this.stack.system.db('deliveries').whereIn('id', ids).select('status');
      return rows.length === ids.length && rows.every((r: { status: string }) => r.status === status);
    }, timeoutMs);
  }

  async circuit(webhookId: string) {
    const response = await this.stack.api('GET', `/webhooks/${webhookId}`);
    assert.equal(response.status, 200);
    return response.body.circuit as { state: string; consecutive_failures: number; opened_at: string | null; half_open_at: string | null; in_flight: number; queued: number };
  }
}
