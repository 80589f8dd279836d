import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('circuit breaker', () => {
  it('cools down after the threshold of consecutive failures; a success in between resets the count', () => {
    const time = clock();
    const breaker = new CircuitBreaker({ failures: 3, periodMs: 1_000, maxPeriodMs: 10_000 }, time.now);
    breaker.failure(false);
    breaker.failure(false);
    breaker.success(false);
    breaker.failure(false);
    breaker.failure(false);
    expect(breaker.state).toBe('healthy');
    breaker.failure(false);
    expect(breaker.state).toBe('cooling-down');
    expect(breaker.blockedUntil()).toBe(time.now() + 1_000);
  });

  it('goes half-open after the period: one trial at a time; success closes, failure doubles the period', () => {
    const time = clock();
    const breaker = new CircuitBreaker({ failures: 1, periodMs: 1_000, maxPeriodMs: 3_000 }, time.now);
    breaker.failure(false);
    time.advance(1_000);
    expect(breaker.state).toBe('half-open');
    expect(breaker.blockedUntil()).toBeUndefined();
    const trial = breaker.begin();
    expect(trial).toBe(true);
    expect(breaker.blockedUntil()).toBeDefined();
    expect(breaker.begin()).toBe(false);
    breaker.failure(trial);
    expect(breaker.state).toBe('cooling-down');
    expect(breaker.blockedUntil()).toBe(time.now() + 2_000);
    time.advance(2_000);
    breaker.failure(breaker.begin());
    expect(breaker.blockedUntil()).toBe(time.now() + 3_000);
    time.advance(3_000);
    breaker.success(breaker.begin());
    expect(breaker.state).toBe('healthy');
    expect(breaker.consecutiveFailures).toBe(0);
  });

  it('a trial that ends without a verdict frees the slot for the next request', () => {
    const time = clock();
    const breaker = new CircuitBreaker({ failures: 1, periodMs: 500, maxPeriodMs: 500 }, time.now);
    breaker.failure(false);
    time.advance(500);
    breaker.abandon(breaker.begin());
    expect(breaker.state).toBe('half-open');
    expect(breaker.begin()).toBe(true);
  });

  it('honours a longer Retry-After for the cool-down, and a passing health check ends it early', () => {
    const time = clock();
    const breaker = new CircuitBreaker({ failures: 1, periodMs: 1_000, maxPeriodMs: 1_000 }, time.now);
    breaker.failure(false, 5_000);
    expect(breaker.blockedUntil()).toBe(time.now() + 5_000);
    breaker.checkPassed();
    expect(breaker.state).toBe('half-open');
  });
});
