import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Answers only once this settles (after delayMs). */
  until?: Promise<unknown>;
}

/** A real HTTP receiver on 127.0.0.1 that records requests and measures concurrency. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Decides each reply; the default answers 200. */
  respond: (request: ReceivedRequest, index: number) => Reply = () => ({ status: 200, body: 'ok' });
  private server: Server | null = null;
  private waiters: Array<() => void> = [];

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() };
        const index = this.requests.push(request) - 1;
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        this.waiters.forEach((wake) => wake());
        const reply = this.respond(request, index);
        setTimeout(() => {
          void Promise.resolve(reply.until).finally(() => {
            this.inFlight--;
            res.writeHead(reply.status, reply.headers);
            res.end(reply.body ?? '');
          });
        }, reply.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** Holds every request unanswered (200 once released); returns the release. */
  hold(): () => void {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.respond = () => ({ status: 200, body: 'ok', until: released });
    return release;
  }

  get url(): string {
    const { port } = this.server!.address() as { port: number };
    return `http://127.0.0.1:${port}/hook`;
  }

  /** Resolves once at least `count` requests have arrived; rejects after `timeoutMs`. */
  async waitForRequests(count: number, timeoutMs = 30_000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.requests.length < count) {
      if (Date.now() > deadline) throw new Error(`receiver got ${this.requests.length} of ${count} requests in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters = [];
    }
    return this.requests;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = null;
  }
}
