import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../db/knex';
import type { LogAbsorber } from '../log';
import { withDeadline } from './deadline';
import { isTemporalUnavailable } from '../temporal/client';

export type DependencyName = 'database' | 'temporal';

const LABEL: Record<DependencyName, string> = { database: 'Postgres', temporal: 'Temporal' };

/** Resolves when the dependency answers, rejects when it does not. */
export type Probe = () => Promise<unknown>;

export interface DependencyState {
  up: boolean;
  /** When it last went up or down (the monitor's start, before any change). */
  since: Date;
  checkedAt: Date | null;
}

export interface DependencyMonitorOptions {
  /** How often each dependency is checked in the background. */
  intervalMs?: number;
  /** A check not answered within this is a failed one. */
  timeoutMs?: number;
  /** While one stays down, a reminder at most this often. */
  reminderMs?: number;
}

interface Watched {
  probe: Probe;
  state: DependencyState;
  checking: Promise<void> | null;
  /** How many times a server of ours was seen to exit: a check begun before the last proves nothing. */
  exits: number;
  /** Failures that were counted here instead of logged, since the last line about it. */
  absorbed: number;
  lastLineAt: number;
}

/**
 * The one place that knows whether Postgres and Temporal are there, and the one voice that
 * says so in the log: one error line when a dependency goes away, a reminder at most every
 * `reminderMs` while it stays away, one line when it is back. Failures seen elsewhere while
 * it is away are counted here rather than logged one by one (see `absorb`).
 */
export class DependencyMonitor implements LogAbsorber {
  private readonly watched = new Map<DependencyName, Watched>();
  private timer: NodeJS.Timeout | null = null;
  private log: Logger | null = null;
  private readonly intervalMs: number;
  readonly timeoutMs: number;
  private readonly reminderMs: number;

  constructor(options: DependencyMonitorOptions = {}) {
    this.intervalMs = options.intervalMs ?? 2000;
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.reminderMs = options.reminderMs ?? 30_000;
  }

  /** The logger it speaks through (the logger may be built with this monitor's `absorb`). */
  attachLog(log: Logger): this {
    this.log = log;
    return this;
  }

  watch(name: DependencyName, probe: Probe): void {
    const now = new Date();
    this.watched.set(name, { probe, state: { up: true, since: now, checkedAt: null }, checking: null, exits: 0, absorbed: 0, lastLineAt: 0 });
  }

  unwatch(name: DependencyName): void {
    this.watched.delete(name);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
    void this.refresh();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.watched.values()].map((w) => w.checking));
  }

  /** What is known now, without waiting. */
  snapshot(): Partial<Record<DependencyName, DependencyState>> {
    return Object.fromEntries([...this.watched].map(([name, w]) => [name, { ...w.state }]));
  }

  /**
   * Checks every dependency (joining checks already running) and answers what is known
   * once they are done or `budgetMs` has passed, whichever is first: never slower than that.
   */
  async refresh(budgetMs = this.timeoutMs): Promise<Partial<Record<DependencyName, DependencyState>>> {
    const checks = Promise.allSettled([...this.watched.keys()].map((name) => this.check(name)));
    await withDeadline(checks, budgetMs, null);
    return this.snapshot();
  }

  /**
   * A failure of a dependency seen by some caller: counted (not logged on its own) and
   * checked at once, so the monitor's lines say what happened. True when it was counted.
   */
  noteFailure(name: DependencyName): boolean {
    const watched = this.watched.get(name);
    if (!watched) return false;
    watched.absorbed += 1;
    void this.check(name);
    return true;
  }

  /**
   * For the logger: a warning or error caused by a watched dependency being away (the SDK's
   * retry warnings among them) is counted here and not written. Lines about a dependency
   * itself (`dependency` set) always are.
   */
  absorb(fields: object, message: unknown): boolean {
    if ('dependency' in fields) return false;
    // `knex` carries the pool's own warnings (src/db/knex.ts); a line without any error (the
    // SDK's own retry warnings) is judged by its message.
    const { err, error, knex } = fields as { err?: unknown; error?: unknown; knex?: unknown };
    const name = dependencyOf(err ?? error ?? knex ?? { message });
    return name !== null && this.noteFailure(name);
  }

  /**
   * A server this process started was seen to exit (its supervisor says so): down from now,
   * not from the next failed check, which may come after it is already back; up again once a
   * check begun after this answers.
   */
  noteGone(name: DependencyName, reason: string): void {
    const watched = this.watched.get(name);
    if (!watched) return;
    watched.exits += 1;
    this.record(name, watched, reason);
  }

  private check(name: DependencyName): Promise<void> {
    const watched = this.watched.get(name);
    if (!watched) return Promise.resolve();
    watched.checking ??= this.probeOnce(name, watched).finally(() => {
      watched.checking = null;
    });
    return watched.checking;
  }

  private async probeOnce(name: DependencyName, watched: Watched): Promise<void> {
    let failure: string | null = null;
    const exitsBefore = watched.exits;
    try {
      const answered = await withDeadline(watched.probe().then(() => true), this.timeoutMs, false);
      if (!answered) failure = `no answer within ${this.timeoutMs} ms`;
    } catch (err) {
      failure = (err as Error)?.message ?? String(err);
    }
    if (failure === null && watched.exits !== exitsBefore) return;
    this.record(name, watched, failure);
  }

  private record(name: DependencyName, watched: Watched, failure: string | null): void {
    const now = new Date();
    const { state } = watched;
    state.checkedAt = now;
    const label = LABEL[name];
    const downForS = () => Math.round((now.getTime() - state.since.getTime()) / 1000);
    if (failure === null && !state.up) {
      this.log?.info({ dependency: name, downForS: downForS(), failedCalls: watched.absorbed }, `${label} is reachable again after ${downForS()} s`);
      Object.assign(state, { up: true, since: now });
      watched.absorbed = 0;
    } else if (failure !== null && state.up) {
      Object.assign(state, { up: false, since: now });
      this.log?.error({ dependency: name, error: failure }, `${label} is unreachable: ${failure}`);
      watched.absorbed = 0;
      watched.lastLineAt = now.getTime();
    } else if (failure === null && watched.absorbed > 0) {
      // Calls failed as if it were away, yet it answers: say so once rather than drop them.
      this.log?.warn({ dependency: name, failedCalls: watched.absorbed }, `${watched.absorbed} calls to ${label} failed as if it were unreachable, but it answers`);
      watched.absorbed = 0;
    } else if (failure !== null && now.getTime() - watched.lastLineAt >= this.reminderMs) {
      this.log?.warn({ dependency: name, downForS: downForS(), failedCalls: watched.absorbed, error: failure },
        `${label} still unreachable after ${downForS()} s`);
      watched.absorbed = 0;
      watched.lastLineAt = now.getTime();
    }
  }
}

/** Which dependency's absence an error reports, if any. */
export function dependencyOf(reported: unknown): DependencyName | null {
  // The SDK's native core hands its errors over as text.
  const err = typeof reported === 'string' ? { message: reported } : reported;
  // Several calls failed together (a grant batch's starts): one cause when they all share it.
  if (err instanceof AggregateError && err.errors.length > 0) {
    const names = new Set(err.errors.map(dependencyOf));
    return names.size === 1 ? [...names][0] : null;
  }
  if (isDatabaseUnavailable(err)) return 'database';
  if (isTemporalUnavailable(err)) return 'temporal';
  return null;
}
