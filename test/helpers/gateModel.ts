// The gate model test's steps and the promise they are checked against (docs/permits.md,
// "Invariants"): used by test/integration/gateModel.test.ts.
import fc from 'fast-check';
import type { AttemptRecord } from '../../src/gate/attempts';

export const THRESHOLD = 3;
/** Deliveries per sequence: few make a queue that runs dry, where a row asking again is claimed a spare. */
export const DELIVERIES = { min: 2, max: 6 };
type State = 'closed' | 'open' | 'half_open';

export type Step =
  | { t: 'claim' } | { t: 'burst'; oks: boolean[] } | { t: 'begin'; i: number } | { t: 'record'; i: number; ok: boolean }
  | { t: 'rerun'; i: number } | { t: 'release'; i: number } | { t: 'die'; i: number } | { t: 'expire'; i: number }
  | { t: 'patch'; limit: number } | { t: 'reset' } | { t: 'halfOpen'; stale: boolean } | { t: 'askAgain'; i: number };

export const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ t: 'claim' as const }) },
  { weight: 1, arbitrary: fc.array(fc.boolean(), { minLength: 2, maxLength: 4 }).map((oks) => ({ t: 'burst' as const, oks })) },
  { weight: 4, arbitrary: fc.nat(9).map((i) => ({ t: 'begin' as const, i })) },
  { weight: 5, arbitrary: fc.record({ i: fc.nat(9), ok: fc.boolean() }).map((r) => ({ t: 'record' as const, ...r })) },
  { weight: 1, arbitrary: fc.nat(9).map((i) => ({ t: 'rerun' as const, i })) },
  { weight: 1, arbitrary: fc.nat(9).map((i) => ({ t: 'release' as const, i })) },
  { weight: 1, arbitrary: fc.nat(9).map((i) => ({ t: 'die' as const, i })) },
  { weight: 1, arbitrary: fc.nat(9).map((i) => ({ t: 'expire' as const, i })) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }).map((limit) => ({ t: 'patch' as const, limit })) },
  { weight: 1, arbitrary: fc.constant({ t: 'reset' as const }) },
  { weight: 2, arbitrary: fc.boolean().map((stale) => ({ t: 'halfOpen' as const, stale })) },
  // A delivery holding a lease not yet used asks again (a task run again, a grant racing its
  // own claim): a later claim may take it a spare lease.
  { weight: 2, arbitrary: fc.nat(9).map((i) => ({ t: 'askAgain' as const, i })) },
);

export interface Lease { id: string; deliveryId: string; probe: boolean; attemptNumber: number | null; dead: boolean }

/** The promise, restated: what the breaker must be after each committed outcome. */
export class Model {
  state: State = 'closed';
  failures = 0;
  limit = 2;
  leases: Lease[] = [];
  recorded: AttemptRecord[] = [];

  capacity(): number {
    return this.state === 'closed' ? this.limit : this.state === 'half_open' ? 1 : 0;
  }

  outcome(ok: boolean, probe: boolean): void {
    if (this.state === 'closed') {
      this.failures = ok ? 0 : this.failures + 1;
      if (this.failures >= THRESHOLD) this.state = 'open';
    } else if (this.state === 'half_open' && probe) {
      this.state = ok ? 'closed' : 'open';
      if (ok) this.failures = 0;
    }
  }
}
