import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ContentPolicyViolationError,
  ContextWindowExceededError,
  InsufficientQuotaError,
  LlamaGateError,
  NotFoundError,
  PermissionDeniedError,
  ProviderAPIError,
  RateLimitError,
  ServiceUnavailableError,
  TimeoutError,
} from '../spec/errors.js';
import { errorFromUpstream, parseRetryAfter } from './upstream-error.js';

const failure = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  errorFromUpstream({ provider: 'p', model: 'm', url: 'https://p/x', status, headers, body });

describe('upstream error mapping', () => {
  it('maps statuses and sub-kinds to the typed classes once', () => {
    expect(AuthenticationError.isInstance(failure(401, { error: { message: 'bad key' } }))).toBe(true);
    expect(PermissionDeniedError.isInstance(failure(403, { error: { message: 'nope' } }))).toBe(true);
    expect(NotFoundError.isInstance(failure(404, { error: 'model not found' }))).toBe(true);
    expect(TimeoutError.isInstance(failure(408, {}))).toBe(true);
    expect(RateLimitError.isInstance(failure(429, {}, { 'retry-after': '12' }))).toBe(true);
    expect(failure(429, {}, { 'retry-after': '12' }).retryAfter).toBe(12);
    const overloaded = failure(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(ServiceUnavailableError.isInstance(overloaded)).toBe(true);
    expect(overloaded.status).toBe(503);
    expect(
      ContextWindowExceededError.isInstance(
        failure(400, { error: { message: 'prompt is too long: 210000 tokens > 200000 maximum' } }),
      ),
    ).toBe(true);
    expect(
      ContentPolicyViolationError.isInstance(failure(400, { error: { code: 'content_filter', message: 'filtered' } })),
    ).toBe(true);
    expect(
      InsufficientQuotaError.isInstance(failure(429, { error: { code: 'insufficient_quota', message: 'quota' } })),
    ).toBe(true);
    const server = failure(500, 'Internal Server Error');
    expect(ProviderAPIError.isInstance(server)).toBe(true);
    expect(server).toMatchObject({ status: 500, isRetryable: true, message: 'p error (500): Internal Server Error' });
  });

  it('marks only 408, 409, 429 and 5xx retryable; never a 400', () => {
    expect(failure(400, {}).isRetryable).toBe(false);
    expect(failure(409, {}).isRetryable).toBe(true);
    expect(failure(503, {}).isRetryable).toBe(true);
    expect(failure(422, {}).isRetryable).toBe(false);
  });

  it('is recognised across package copies through the Symbol.for brand', () => {
    const foreign = { [Symbol.for('llamagate.error')]: true, kinds: ['RateLimitError', 'LlamaGateError'] };
    expect(RateLimitError.isInstance(foreign)).toBe(true);
    expect(LlamaGateError.isInstance(foreign)).toBe(true);
    expect(TimeoutError.isInstance(foreign)).toBe(false);
  });

  it('reads Retry-After as seconds, an HTTP date or retry-after-ms', () => {
    expect(parseRetryAfter({ 'retry-after': '5' })).toBe(5);
    expect(parseRetryAfter({ 'retry-after-ms': '1500' })).toBe(1.5);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(parseRetryAfter({ 'retry-after': inTenSeconds })).toBeGreaterThan(8);
  });
});
