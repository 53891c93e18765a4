import type { Logger } from 'pino';
import { StartupError } from '../config';

/** A server process we started and can watch: `exited` resolves, saying how, when it ends. */
export interface ChildProcessHandle {
  pid?: number;
  exited: Promise<string>;
  stop(): Promise<void>;
}

export interface SupervisorOptions<T extends ChildProcessHandle> {
  /** What the logs and the final error call it, e.g. "the Temporal dev server". */
  name: string;
  /** Starts it (again) on the same data and ports. */
  start: () => Promise<T>;
  log: Pick<Logger, 'error' | 'info'>;
  /** Tries to bring it back before giving up (default 5). */
  maxTries?: number;
  /** The wait before the first try, doubled at each next one up to 16 times it (default 1 s). */
  backoffMs?: number;
  /** A run that lasted this long was healthy: the tries count again from zero (default 60 s). */
  stableMs?: number;
  /** The moment a run exits unasked, before any try (so health says it at once), with why. */
  onExited?: (reason: string) => void;
  /** Each new run, after it started (to record its pid). */
  onRestarted?: (child: T) => Promise<void>;
  /** It could not be brought back: the process should end, naming it. */
  onGiveUp: (err: StartupError) => void;
}

const backoff = (firstMs: number, tryNumber: number) => firstMs * Math.min(16, 2 ** (tryNumber - 1));

/**
 * Keeps a server we started running: when it exits without being asked to, it is said at
 * error level and started again on the same data, with backoff; after `maxTries` failed tries
 * in a row, `onGiveUp` is called so the process can exit non-zero for its process manager.
 */
export class Supervisor<T extends ChildProcessHandle> {
  private stopping = false;
  private tries = 0;
  private wake: (() => void) | null = null;
  private restarting: Promise<void> | null = null;

  private constructor(private readonly options: SupervisorOptions<T>, private child: T) {}

  /** Starts the first run (its failure is the caller's start-up error, not retried) and watches it. */
  static async start<T extends ChildProcessHandle>(options: SupervisorOptions<T>): Promise<Supervisor<T>> {
    const supervisor = new Supervisor(options, await options.start());
    supervisor.watch();
    return supervisor;
  }

  get current(): T {
    return this.child;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.restarting;
    await this.child.stop();
  }

  private watch(): void {
    const child = this.child;
    const startedAt = Date.now();
    void child.exited.then((how) => {
      if (this.stopping || child !== this.child) return;
      if (Date.now() - startedAt >= (this.options.stableMs ?? 60_000)) this.tries = 0;
      this.options.log.error({ dependency: this.options.name, pid: child.pid, exit: how }, `${this.options.name} exited (${how}): starting it again`);
      this.options.onExited?.(`${this.options.name} exited (${how})`);
      this.restarting = this.restart().finally(() => {
        this.restarting = null;
      });
    });
  }

  private async restart(): Promise<void> {
    const { name, log, maxTries = 5, backoffMs = 1000 } = this.options;
    let lastError = 'it exited';
    while (!this.stopping) {
      this.tries += 1;
      if (this.tries > maxTries) {
        this.options.onGiveUp(new StartupError(`${name} exited and could not be started again in ${maxTries} tries: ${lastError}`));
        return;
      }
      await this.pause(backoff(backoffMs, this.tries));
      if (this.stopping) return;
      try {
        this.child = await this.options.start();
      } catch (err) {
        lastError = (err as Error).message;
        log.error({ dependency: name, try: this.tries, maxTries, err: lastError }, `${name} did not start again (try ${this.tries} of ${maxTries})`);
        continue;
      }
      if (this.stopping) {
        await this.child.stop();
        return;
      }
      await this.options.onRestarted?.(this.child);
      log.info({ dependency: name, pid: this.child.pid, try: this.tries }, `${name} is running again`);
      this.watch();
      return;
    }
  }

  /** Waits, unless stop() cuts it short. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = null;
    });
  }
}
