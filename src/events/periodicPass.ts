import type { Logger } from 'pino';

/**
 * Runs `pass` every `intervalMs`, never two at once. A failed pass is logged and the next
 * one tries again; stop() waits for a pass in progress.
 */
export class PeriodicPass {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly pass: () => Promise<void>,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = this.pass()
      .catch((err: unknown) => this.log.warn({ err }, `${this.name} failed; will retry`))
      .finally(() => {
        this.running = null;
      });
    await this.running;
  }
}
