import { describe, expect, it } from 'vitest';
import { TokenBucketLimiter } from './rate-limiter.js';

describe('token bucket limiter', () => {
  it('allows a burst, refuses past it with a retry time, and refills at the rate', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter(2, 3, 100, () => now);
    expect([1, 2, 3].map(() => limiter.take('a').allowed)).toEqual([true, true, true]);
    const refused = limiter.take('a');
    expect(refused).toMatchObject({ allowed: false, remaining: 0, limit: 3, retryAfterSeconds: 1 });
    now += 500;
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
  });

  it('stays bounded in the number of clients it tracks', () => {
    const limiter = new TokenBucketLimiter(1, 1, 10, () => 0);
    for (let i = 0; i < 1000; i++) limiter.take(`client-${i}`);
    expect((limiter as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(10);
  });
});
