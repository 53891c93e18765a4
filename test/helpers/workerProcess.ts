import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const MAIN = path.resolve(__dirname, '../../src/main.js');

/**
 * One role of the system (`main.js worker|api|all`) as a separate OS process, so a test or a
 * benchmark can run several and kill one for real. Ready once its banner is printed.
 */
export class RoleProcess {
  private child: ChildProcess | null = null;
  output = '';
  /** The API base URL from the banner (api and all roles). */
  apiUrl: string | null = null;
  /** Sees every chunk of stdout and stderr (output keeps only the last 200 000 characters). */
  onOutput: ((chunk: string) => void) | null = null;

  /** `main` is another build's entry point (the upgrade bench runs the previous release's). */
  constructor(readonly role: 'api' | 'worker' | 'all', private readonly env: Record<string, string>, private readonly main = MAIN) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Its exit code once it has exited (null while running or when a signal ended it). */
  get exitCode(): number | null {
    return this.child?.exitCode ?? null;
  }

  async start(timeoutMs = 60_000): Promise<this> {
    const child = spawn(process.execPath, [this.main, this.role], { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    // Never leave an orphaned process behind, whatever way this one ends.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    const collect = (chunk: Buffer) => {
      this.onOutput?.(chunk.toString());
      // Keep the banner and the last lines only: a long run must not grow this without bound.
      this.output = (this.output + chunk.toString()).slice(-200_000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.role} not ready in ${timeoutMs} ms:\n${this.output}`)), timeoutMs);
      const check = () => {
        if (!this.output.includes(`is running (${this.role})`)) return;
        this.apiUrl = /API: +(\S+)\/api\/v1/.exec(this.output)?.[1] ?? null;
        clearTimeout(timer);
        child.stdout?.off('data', check);
        resolve();
      };
      child.stdout?.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.role} exited with ${code}:\n${this.output}`));
      });
    });
    return this;
  }

  /** SIGKILL: no graceful shutdown, in-flight activities are simply lost. */
  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  stop(): Promise<void> {
    return this.signal('SIGTERM');
  }

  private signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}

/** A worker process (`main.js worker`). */
export class WorkerProcess extends RoleProcess {
  constructor(env: Record<string, string>) {
    super('worker', env);
  }
}
