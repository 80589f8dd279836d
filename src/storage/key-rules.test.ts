import { describe, expect, it } from 'vitest';
import { InsufficientQuotaError } from '../spec/errors.js';
import { budgetPeriodStart, keyUnusableReason, reserveFailureError } from './key-rules.js';
import { slidingRetryAfter, slidingWindowAllows } from './sliding-window.js';

describe('budgetPeriodStart', () => {
  // Wednesday 11 June 2025, 12:34:56.789 UTC.
  const now = Date.UTC(2025, 5, 11, 12, 34, 56, 789);

  it('starts days at 00:00 UTC, weeks on Monday and months on the 1st', () => {
    expect(new Date(budgetPeriodStart('day', now)).toISOString()).toBe('2025-06-11T00:00:00.000Z');
    expect(new Date(budgetPeriodStart('week', now)).toISOString()).toBe('2025-06-09T00:00:00.000Z');
    expect(new Date(budgetPeriodStart('month', now)).toISOString()).toBe('2025-06-01T00:00:00.000Z');
  });

  it('puts Sunday in the week that began on the Monday before, and Monday in its own', () => {
    const sunday = Date.UTC(2025, 5, 15, 23, 59);
    const monday = Date.UTC(2025, 5, 16, 0, 0);
    expect(new Date(budgetPeriodStart('week', sunday)).toISOString()).toBe('2025-06-09T00:00:00.000Z');
    expect(new Date(budgetPeriodStart('week', monday)).toISOString()).toBe('2025-06-16T00:00:00.000Z');
    expect(new Date(budgetPeriodStart('month', Date.UTC(2024, 1, 29, 5))).toISOString()).toBe(
      '2024-02-01T00:00:00.000Z',
    );
  });
});

describe('keyUnusableReason', () => {
  it('checks revocation, then the enabled flag, then expiry', () => {
    const key = { revokedAt: null, enabled: true, expiresAt: 1000 };
    expect(keyUnusableReason(key, 999)).toBeNull();
    expect(keyUnusableReason(key, 1000)).toBe('expired');
    expect(keyUnusableReason({ ...key, enabled: false }, 0)).toBe('disabled');
    expect(keyUnusableReason({ ...key, enabled: false, revokedAt: 5 }, 0)).toBe('revoked');
    expect(keyUnusableReason({ ...key, expiresAt: null }, Number.MAX_SAFE_INTEGER)).toBeNull();
  });
});

describe('reserveFailureError', () => {
  it('maps refusals to the catalogue', () => {
    expect(reserveFailureError('not_found')).toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect(reserveFailureError('revoked')).toMatchObject({ status: 401, code: 'key_revoked' });
    expect(reserveFailureError('expired')).toMatchObject({ status: 401, code: 'key_expired' });
    expect(reserveFailureError('disabled')).toMatchObject({ status: 403, code: 'permission_denied' });
    expect(reserveFailureError('insufficient_credits', 'key_1')).toMatchObject({
      status: 402,
      code: 'insufficient_quota',
    });
    const budget = reserveFailureError('budget_exceeded');
    expect(InsufficientQuotaError.isInstance(budget)).toBe(true);
    expect(budget).toMatchObject({ status: 402, code: 'budget_exceeded' });
  });
});

describe('sliding window arithmetic', () => {
  const W = 60_000;

  it('weights the previous window by the part of it still inside the last minute', () => {
    expect(slidingWindowAllows({ previous: 10, current: 0 }, 1, 10, 0, W)).toBe(false);
    expect(slidingWindowAllows({ previous: 10, current: 0 }, 1, 10, 6000, W)).toBe(true);
    expect(slidingWindowAllows({ previous: 10, current: 5 }, 1, 10, 30_000, W)).toBe(false);
    expect(slidingWindowAllows({ previous: 10, current: 4 }, 1, 10, 30_000, W)).toBe(true);
  });

  it('says how long until the request fits', () => {
    // 10 × (W − t)/W + 0 + 1 ≤ 10 ⇒ t ≥ 6000.
    expect(slidingRetryAfter({ previous: 10, current: 0 }, 1, 10, 0, W)).toBe(6000);
    expect(slidingRetryAfter({ previous: 10, current: 0 }, 1, 10, 5000, W)).toBe(1000);
    // The current window is full: wait for the next one, then for its weight to drop.
    expect(slidingRetryAfter({ previous: 0, current: 10 }, 1, 10, 15_000, W)).toBe(45_000 + 6000);
    expect(slidingRetryAfter({ previous: 0, current: 0 }, 20, 10, 0, W)).toBe(W);
    for (const [previous, current, elapsed] of [
      [7, 3, 1000],
      [50, 2, 59_000],
      [3, 9, 100],
    ] as const) {
      const wait = slidingRetryAfter({ previous, current }, 1, 10, elapsed, W);
      const at = elapsed + wait;
      const counts = at >= W ? { previous: current, current: 0 } : { previous, current };
      expect(slidingWindowAllows(counts, 1, 10, at % W, W)).toBe(true);
    }
  });
});
