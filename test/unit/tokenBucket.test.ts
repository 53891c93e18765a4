import assert from 'node:assert/strict';
import { availableTokens, bucketCapacity, changeRate, newTokenBucket, nextTokenAt, takeToken, type TokenBucketState } from '../../workflows/permits/tokenBucket';

/** Takes every token available at `now`; how many. */
function drain(bucket: TokenBucketState, now: number): number {
  let taken = 0;
  while (takeToken(bucket, now)) taken++;
  return taken;
}

/** The most grants in any closed window [t, t + 1000 ms] of a list of grant times. */
function busiestSecond(times: number[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] > 1000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** A deterministic sequence of numbers in [0, 1) (no Math.random: failures must reproduce). */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('token bucket', function () {
  it('starts full with one second of tokens, whenever it is first used', function () {
    assert.equal(bucketCapacity(5), 5);
    assert.equal(drain(newTokenBucket(5), 123_456), 5);
    assert.equal(availableTokens(newTokenBucket(1000), 0), 1000);
  });

  it('refills exactly at the rate, one token at a time, never beyond its capacity', function () {
    const bucket = newTokenBucket(3);
    assert.equal(drain(bucket, 0), 3);
    assert.equal(takeToken(bucket, 0), false, 'an empty bucket gives nothing');
    assert.equal(nextTokenAt(bucket, 0), 334, '1/3 s, rounded up to the next whole millisecond');
    assert.equal(availableTokens(bucket, 333), 0);
    assert.equal(availableTokens(bucket, 334), 1);
    assert.equal(drain(bucket, 1000), 3);
    assert.equal(availableTokens(bucket, 3_600_000), 3, 'an hour idle still holds one second of tokens');
  });

  it('adds nothing when the clock does not move on or goes back', function () {
    const bucket = newTokenBucket(2);
    drain(bucket, 10_000);
    assert.equal(availableTokens(bucket, 9_000), 0);
    assert.equal(nextTokenAt(bucket, 10_000), 10_500);
    assert.equal(availableTokens(bucket, 10_499), 0);
    assert.equal(availableTokens(bucket, 10_500), 1);
  });

  it('a change of rate keeps the tokens held (capped), a removal drops the bucket, a first limit starts full', function () {
    assert.equal(changeRate(newTokenBucket(5), null, 0), null);
    assert.equal(availableTokens(changeRate(null, 4, 0) as TokenBucketState, 0), 4);
    const bucket = newTokenBucket(10);
    drain(bucket, 0);
    assert.equal(takeToken(bucket, 600), true, '6 tokens accrued by 600 ms, one taken');
    const lower = changeRate(bucket, 2, 600) as TokenBucketState;
    assert.equal(availableTokens(lower, 600), 2, 'capped to the new capacity');
    const higher = changeRate(lower, 100, 600) as TokenBucketState;
    assert.equal(availableTokens(higher, 600), 2, 'raising the rate adds no tokens at once');
    assert.equal(availableTokens(higher, 610), 3, 'but they come at the new rate');
  });

  it('never lets more than capacity + rate out in any one-second window, however often it is asked', function () {
    for (const perSecond of [1, 5, 7, 1000]) {
      const random = seeded(perSecond);
      for (const meanGapMs of [0, 3, 50, 400]) {
        const bucket = newTokenBucket(perSecond);
        const times: number[] = [];
        for (let now = 0; now < 20_000; now += Math.round(random() * 2 * meanGapMs)) {
          const wanted = 1 + Math.floor(random() * perSecond * 2);
          for (let i = 0; i < wanted && takeToken(bucket, now); i++) times.push(now);
          if (meanGapMs === 0) now++;
        }
        assert.ok(busiestSecond(times) <= bucketCapacity(perSecond) + perSecond, `${perSecond}/s asked every ~${meanGapMs} ms`);
        assert.ok(times.length <= bucketCapacity(perSecond) + perSecond * 20, 'and at most the rate over the whole run');
      }
    }
  });

  it('reaches the bound when asked continuously: a full burst, then the rate', function () {
    const bucket = newTokenBucket(5);
    const times: number[] = [];
    for (let now = 0; now <= 3000; now++) while (takeToken(bucket, now)) times.push(now);
    assert.deepEqual(times.slice(0, 8), [0, 0, 0, 0, 0, 200, 400, 600]);
    assert.equal(busiestSecond(times), 10);
  });
});
