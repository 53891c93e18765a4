// A token bucket over plain data, so the endpoint workflow carries it across continue-as-new.
// Pure and deterministic: time is passed in (the workflow's clock). Amounts are kept in
// integer thousandths of a token, so a refill is exact arithmetic on whole milliseconds: no
// float drift between a run, its replay and the unit tests.

const MILLI = 1000;

export interface TokenBucketState {
  /** Tokens added per second (the webhook's rate_limit_per_s). */
  perSecond: number;
  /** Thousandths of a token held at `refilledAt`. */
  milliTokens: number;
  /** When the bucket was last brought up to date; null: full (never used yet). */
  refilledAt: number | null;
}

/** The burst: a bucket holds at most one second's worth of tokens. */
export function bucketCapacity(perSecond: number): number {
  return perSecond;
}

/** A full bucket: an endpoint that has been idle may send one second's worth at once. */
export function newTokenBucket(perSecond: number): TokenBucketState {
  return { perSecond, milliTokens: bucketCapacity(perSecond) * MILLI, refilledAt: null };
}

/** Adds what accrued since the last refill, up to the capacity. */
function refill(bucket: TokenBucketState, now: number): void {
  const full = bucketCapacity(bucket.perSecond) * MILLI;
  if (bucket.refilledAt === null) {
    bucket.milliTokens = full;
  } else if (now > bucket.refilledAt) {
    bucket.milliTokens = Math.min(full, bucket.milliTokens + (now - bucket.refilledAt) * bucket.perSecond);
  } else {
    return; // a clock that did not move on (or went back) adds nothing
  }
  bucket.refilledAt = now;
}

/** Whole tokens available now. */
export function availableTokens(bucket: TokenBucketState, now: number): number {
  refill(bucket, now);
  return Math.floor(bucket.milliTokens / MILLI);
}

/** Takes one token; false (and nothing taken) when none is available. */
export function takeToken(bucket: TokenBucketState, now: number): boolean {
  if (availableTokens(bucket, now) < 1) return false;
  bucket.milliTokens -= MILLI;
  return true;
}

/** When the next whole token is there (now or earlier when one is there already). */
export function nextTokenAt(bucket: TokenBucketState, now: number): number {
  refill(bucket, now);
  const missing = MILLI - bucket.milliTokens;
  return missing <= 0 ? now : now + Math.ceil(missing / bucket.perSecond);
}

/**
 * The bucket after a change of rate: none when the limit is removed, a full one when it is
 * set for the first time, and otherwise the tokens held so far (capped to the new capacity)
 * refilling at the new rate from now on.
 */
export function changeRate(bucket: TokenBucketState | null | undefined, perSecond: number | null, now: number): TokenBucketState | null {
  if (perSecond === null) return null;
  if (!bucket) return newTokenBucket(perSecond);
  refill(bucket, now);
  return {
    perSecond,
    milliTokens: Math.min(bucket.milliTokens, bucketCapacity(perSecond) * MILLI),
    refilledAt: bucket.refilledAt,
  };
}
