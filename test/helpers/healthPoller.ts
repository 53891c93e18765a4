import assert from 'node:assert/strict';

/** The client's own bound: an answer slower than this is no answer. */
export const HEALTH_CLIENT_TIMEOUT_MS = 1000;

export interface HealthPoll {
  status: number | null;
  error: string | null;
  body: { dependencies?: Record<string, { status: string; since: string | null }> } | null;
}

export interface MetricsScrape {
  status: number | null;
  error: string | null;
  /** The dependencies `continuum_dependency_up` reported as 0. */
  down: string[];
}

/**
 * Polls GET /webhooks/health as a load balancer would, and scrapes /metrics as Prometheus
 * would, each with a 1 s client timeout, keeping every answer: one that timed out is recorded
 * as an error.
 */
export class HealthPoller {
  readonly polls: HealthPoll[] = [];
  readonly scrapes: MetricsScrape[] = [];
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
    const unanswered = this.scrapes.filter((s) => s.status !== 200);
    assert.deepEqual(unanswered, [], `every /metrics scrape answered 200 within ${HEALTH_CLIENT_TIMEOUT_MS} ms`);
    assert.ok(this.scrapes.some((s) => s.down.includes(dependency)), `some scrape showed continuum_dependency_up{dependency="${dependency}"} 0`);
  }

  private async run(): Promise<void> {
    while (this.running) {
      const [poll, scrape] = await Promise.all([this.pollOnce(), this.scrapeOnce()]);
      this.polls.push(poll);
      this.scrapes.push(scrape);
      await new Promise((resolve) => setTimeout(resolve, this.everyMs));
    }
  }

  private async scrapeOnce(): Promise<MetricsScrape> {
    try {
      const response = await fetch(`${this.baseUrl}/metrics`, { signal: AbortSignal.timeout(HEALTH_CLIENT_TIMEOUT_MS) });
      const text = await response.text();
      const down = [...text.matchAll(/^continuum_dependency_up\{dependency="(\w+)"\} 0$/gm)].map((m) => m[1]);
      return { status: response.status, error: null, down };
    } catch (err) {
      return { status: null, error: (err as Error).message, down: [] };
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
