import assert from 'node:assert/strict';

/** The client's own bound: an answer slower than this is no answer. */
export const HEALTH_CLIENT_TIMEOUT_MS = 1000;

export interface HealthPoll {
  status: number | null;
  error: string | null;
  body: { dependencies?: Record<string, { status: string; since: string | null }> } | null;
}

/**
 * Polls GET /webhooks/health as a load balancer would, with a 1 s client timeout, and keeps
 * every answer: a poll that timed out is recorded as an error.
 */
export class HealthPoller {
  readonly polls: HealthPoll[] = [];
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly baseUrl: string, private readonly everyMs = 250) {}

  start(): this {
    this.running = true;
    this.loop = this.run();
    return this;
  }

  async stop(): Promise<HealthPoll[]> {
    this.running = false;
    await this.loop;
    return this.polls;
  }

  /** Polls taken while `dependency` was reported down. */
  down(dependency: string): HealthPoll[] {
    return this.polls.filter((p) => p.body?.dependencies?.[dependency]?.status === 'down');
  }

  /** Every poll answered in time; some saw `dependency` down, each of those with a 503 and a `since`. */
  assertAnsweredThrough(dependency: string): void {
    const failed = this.polls.filter((p) => p.error !== null);
    assert.deepEqual(failed.map((p) => p.error), [], `every health poll answered within ${HEALTH_CLIENT_TIMEOUT_MS} ms`);
    const down = this.down(dependency);
    assert.ok(down.length > 0, `some poll saw ${dependency} down (${this.polls.length} polls)`);
    for (const poll of down) {
      assert.equal(poll.status, 503);
      assert.ok(!Number.isNaN(Date.parse(poll.body?.dependencies?.[dependency]?.since ?? '')), 'says since when');
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.polls.push(await this.pollOnce());
      await new Promise((resolve) => setTimeout(resolve, this.everyMs));
    }
  }

  private async pollOnce(): Promise<HealthPoll> {
    try {
      const response = await fetch(`${this.baseUrl}/api/v1/webhooks/health`, { signal: AbortSignal.timeout(HEALTH_CLIENT_TIMEOUT_MS) });
      const body = await response.json() as HealthPoll['body'];
      return { status: response.status, error: null, body };
    } catch (err) {
      return { status: null, error: (err as Error).message, body: null };
    }
  }
}
