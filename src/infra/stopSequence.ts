import type { Logger } from 'pino';
import { withDeadline } from './deadline';

interface Step {
  name: string;
  run: () => Promise<unknown>;
  budgetMs: number;
}

/** What one step may take unless it says otherwise. */
const DEFAULT_STEP_BUDGET_MS = 3000;
const LATE = Symbol('late');

/**
 * The stop of a running system, in the reverse order of its start. Each step is bounded:
 * one that hangs (a worker waiting on a Temporal that is gone, a pool on a Postgres that is
 * gone) is logged and left behind, so the rest still stop and the process ends in time.
 */
export class StopSequence {
  private readonly steps: Step[] = [];

  constructor(private readonly log: Pick<Logger, 'warn'>) {}

  add(name: string, run: () => Promise<unknown>, budgetMs = DEFAULT_STEP_BUDGET_MS): void {
    this.steps.push({ name, run, budgetMs });
  }

  /** Runs every step added so far, newest first; steps added meanwhile wait for the next run. */
  async run(): Promise<void> {
    const steps = this.steps.splice(0).reverse();
    for (const step of steps) {
      try {
        const outcome = await withDeadline(step.run(), step.budgetMs, LATE);
        if (outcome === LATE) this.log.warn({ step: step.name }, `stopping ${step.name} took longer than ${step.budgetMs} ms: going on without it`);
      } catch (err) {
        this.log.warn({ step: step.name, err }, `stopping ${step.name} failed`);
      }
    }
  }
}
