/**
 * The sliding-window arithmetic shared by the memory counters and the Redis Lua script (which mirrors
 * {@link slidingWindowAllows} line for line; change both together).
 */
import type { ConsumeRequest, RateDecision } from './counter-store.js';

export interface WindowPosition {
  /** Index of the current fixed window (`floor(now / windowMs)`). */
  bucket: number;
  /** Milliseconds into the current window. */
  elapsed: number;
}

export function windowPosition(now: number, windowMs: number): WindowPosition {
  const bucket = Math.floor(now / windowMs);
  return { bucket, elapsed: now - bucket * windowMs };
}

/** Counts of the current and previous fixed windows. */
export interface WindowCounts {
  current: number;
  previous: number;
}

export function slidingEstimate(counts: WindowCounts, elapsed: number, windowMs: number): number {
  return (counts.previous * (windowMs - elapsed)) / windowMs + counts.current;
}

/** Whether `need` more fits under `limit`. */
export function slidingWindowAllows(
  counts: WindowCounts,
  need: number,
  limit: number,
  elapsed: number,
  windowMs: number,
): boolean {
  return slidingEstimate(counts, elapsed, windowMs) + need <= limit;
}

/** Milliseconds until `need` would fit (at least 1; a whole window when it can never fit). */
export function slidingRetryAfter(
  counts: WindowCounts,
  need: number,
  limit: number,
  elapsed: number,
  windowMs: number,
): number {
  if (need > limit) return windowMs;
  let wait: number;
  if (counts.current + need > limit) {
    // Wait for the next window; there the current count decays as "previous".
    const untilNext = windowMs - elapsed;
    const decay = counts.current === 0 ? 0 : windowMs * (1 - (limit - need) / counts.current);
    wait = untilNext + Math.max(0, decay);
  } else {
    const target = counts.previous === 0 ? 0 : windowMs * (1 - (limit - need - counts.current) / counts.previous);
    wait = target - elapsed;
  }
  return Math.max(1, Math.ceil(wait));
}

/** Tokens a request must fit: its count, or 1 when unknown, so a full window refuses even token-less calls. */
export function tokensNeeded(request: ConsumeRequest): number {
  return Math.max(request.tokens ?? 0, 1);
}

export function validateConsumeRequest(request: ConsumeRequest): void {
  for (const field of ['rpm', 'tpm'] as const) {
    const value = request[field];
    if (value !== null && value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
      throw new RangeError(`${field} must be a positive integer`);
    }
  }
  if (request.tokens !== undefined && (!Number.isSafeInteger(request.tokens) || request.tokens < 0)) {
    throw new RangeError('tokens must be a non-negative integer');
  }
}

/** Builds the decision from counts read atomically with the check (memory) or returned by the script (Redis). */
export function decide(
  request: ConsumeRequest,
  requests: WindowCounts,
  tokens: WindowCounts,
  elapsed: number,
  windowMs: number,
): { decision: RateDecision; count: boolean } {
  const rpm = request.rpm ?? null;
  const tpm = request.tpm ?? null;
  if (rpm !== null && !slidingWindowAllows(requests, 1, rpm, elapsed, windowMs)) {
    return {
      decision: {
        allowed: false,
        limit: 'rpm',
        retryAfterMs: slidingRetryAfter(requests, 1, rpm, elapsed, windowMs),
      },
      count: false,
    };
  }
  const need = tokensNeeded(request);
  if (tpm !== null && !slidingWindowAllows(tokens, need, tpm, elapsed, windowMs)) {
    return {
      decision: {
        allowed: false,
        limit: 'tpm',
        retryAfterMs: slidingRetryAfter(tokens, need, tpm, elapsed, windowMs),
      },
      count: false,
    };
  }
  const decision: RateDecision = { allowed: true };
  if (rpm !== null) {
    decision.remainingRequests = Math.max(0, Math.floor(rpm - slidingEstimate(requests, elapsed, windowMs) - 1));
  }
  if (tpm !== null) {
    const used = slidingEstimate(tokens, elapsed, windowMs) + (request.tokens ?? 0);
    decision.remainingTokens = Math.max(0, Math.floor(tpm - used));
  }
  return { decision, count: true };
}
