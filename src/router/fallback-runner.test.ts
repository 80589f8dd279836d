import { describe, expect, it } from 'vitest';
import {
  AllProvidersFailedError,
  BadRequestError,
  ProviderAPIError,
  RateLimitError,
  ServiceUnavailableError,
} from '../spec/errors.js';
import { backoffDelay } from './backoff.js';
import { type Candidate, type FallbackTrace, runWithFallback } from './fallback-runner.js';

const serverError = () => new ProviderAPIError({ message: 'boom', status: 500 });
const badRequest = () => new BadRequestError({ message: 'bad', code: 'context_length_exceeded' });

function scripted(name: string, outcomes: (string | Error)[], maxRetries = 0) {
  const calls: number[] = [];
  const candidate: Candidate<string> = {
    model: name,
    backend: name,
    maxRetries,
    async run(_signal, attempt) {
      calls.push(attempt.retry);
      const next = outcomes.shift() ?? new Error('script ran out');
      if (next instanceof Error) throw next;
      return next;
    },
  };
  return { candidate, calls };
}

const fast = { backoff: { initialDelayMs: 1, maxDelayMs: 2 } };

describe('runWithFallback', () => {
  it('retries a retryable failure on the same candidate, then falls back, counting attempts and fallbacks', async () => {
    const a = scripted('a', [serverError(), serverError()], 1);
    const b = scripted('b', ['from b']);
    const trace: FallbackTrace = { attempts: 0, fallbacks: 0 };
    const outcome = await runWithFallback([a.candidate, b.candidate], { ...fast, trace });
    expect(outcome.value).toBe('from b');
    expect(a.calls).toEqual([0, 1]);
    expect(outcome).toMatchObject({ attempts: 3, fallbacks: 1, tried: 2 });
    expect(trace).toMatchObject({ attempts: 3, fallbacks: 1, current: 'b' });
  });

  it('a full upstream queue is not retried on the same candidate but falls back at once', async () => {
    const queueFull = () =>
      new ServiceUnavailableError({ message: 'full', code: 'upstream_queue_full', retryAfter: 1, isRetryable: true });
    const a = scripted('a', [queueFull(), 'retried'], 3);
    const b = scripted('b', ['from b']);
    const outcome = await runWithFallback([a.candidate, b.candidate], fast);
    expect(outcome.value).toBe('from b');
    expect(a.calls).toEqual([0]);
  });

  it('never retries nor falls back on a 400: that error is the answer', async () => {
    const a = scripted('a', [badRequest()], 3);
    const b = scripted('b', ['from b']);
    const error = await runWithFallback([a.candidate, b.candidate], fast).catch((e: unknown) => e);
    expect(BadRequestError.isInstance(error)).toBe(true);
    expect((error as BadRequestError).code).toBe('context_length_exceeded');
    expect(a.calls).toEqual([0]);
    expect(b.calls).toEqual([]);
  });

  it('waits at least the Retry-After before retrying', async () => {
    const a = scripted(
      'a',
      [new RateLimitError({ message: 'slow down', retryAfter: 0.15, isRetryable: true }), 'ok'],
      1,
    );
    const started = performance.now();
    const outcome = await runWithFallback([a.candidate], fast);
    expect(outcome.value).toBe('ok');
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('does not wait past the deadline: falls through with the last error instead', async () => {
    const a = scripted('a', [new RateLimitError({ message: 'slow down', retryAfter: 5, isRetryable: true }), 'ok'], 1);
    const started = performance.now();
    const error = await runWithFallback([a.candidate], { ...fast, deadline: performance.now() + 200 }).catch(
      (e: unknown) => e,
    );
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect(performance.now() - started).toBeLessThan(150);
    expect(a.calls).toEqual([0]);
  });

  it('several candidates failing give AllProvidersFailedError with every attempt; one gives its own error', async () => {
    const a = scripted('a', [serverError()]);
    const b = scripted('b', [serverError()]);
    const error = await runWithFallback([a.candidate, b.candidate], fast).catch((e: unknown) => e);
    expect(AllProvidersFailedError.isInstance(error)).toBe(true);
    expect((error as AllProvidersFailedError).attempts.map((attempt) => attempt.model)).toEqual(['a', 'b']);
    const only = scripted('only', [serverError()]);
    expect(ProviderAPIError.isInstance(await runWithFallback([only.candidate]).catch((e: unknown) => e))).toBe(true);
  });

  it('skips blocked (cooling-down) candidates; all blocked gives 503 with the soonest retry time', async () => {
    const a = scripted('a', ['from a']);
    const b = scripted('b', ['from b']);
    const blockedUntil = (candidate: Candidate<unknown>) => (candidate.model === 'a' ? Date.now() + 10_000 : undefined);
    const outcome = await runWithFallback([a.candidate, b.candidate], { blockedUntil });
    expect(outcome).toMatchObject({ value: 'from b', attempts: 1, tried: 1, fallbacks: 1 });
    expect(a.calls).toEqual([]);
    const error = await runWithFallback([a.candidate], { blockedUntil }).catch((e: unknown) => e);
    expect(ServiceUnavailableError.isInstance(error)).toBe(true);
    expect((error as ServiceUnavailableError).retryAfter).toBe(10);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially with full jitter, capped, and never below Retry-After', () => {
    const options = { initialDelayMs: 100, maxDelayMs: 1_000, jitter: 'none' as const };
    expect([0, 1, 2, 3, 4].map((attempt) => backoffDelay(attempt, options))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay(2, { initialDelayMs: 100 }, undefined, () => 0.5)).toBe(200);
    expect(backoffDelay(0, options, 2)).toBe(2000);
    expect(backoffDelay(0, { ...options, maxRetryAfterMs: 1_000 }, 2)).toBeUndefined();
  });
});
