import {
  AllProvidersFailedError,
  type AttemptFailure,
  type LlamaGateError,
  ServiceUnavailableError,
  TimeoutError,
  toLlamaGateError,
} from '../spec/errors.js';
import { type BackoffOptions, backoffDelay, isRetryableFailure, sleep } from './backoff.js';

export interface AttemptInfo {
  /** 0 for a candidate's first try, 1 for its first retry… */
  retry: number;
  /** Time left before the overall deadline (ms), when there is one. */
  remainingMs: number | undefined;
}

export interface Candidate<T> {
  /** Shown in errors, headers and logs. */
  model: string;
  provider?: string;
  backend?: string;
  /** Retries of this candidate on retryable failures before moving on (default 0). */
  maxRetries?: number;
  run(signal: AbortSignal | undefined, attempt: AttemptInfo): Promise<T>;
}

/** Live counters of a run, readable while it goes and after it failed (for response headers). */
export interface FallbackTrace {
  attempts: number;
  /** Candidates given up on before the current one. */
  fallbacks: number;
  /** Backend (or model) of the latest attempt. */
  current?: string;
}

export interface FallbackOptions {
  signal?: AbortSignal;
  backoff?: BackoffOptions;
  /** Whether a failure moves on to the next candidate (default: retryable failures and auth errors). */
  shouldFallback?: (error: LlamaGateError) => boolean;
  /** Called after every failed attempt (metrics, cooldown bookkeeping). */
  onFailure?: (candidate: Candidate<unknown>, error: LlamaGateError, attempt: number) => void;
  onSuccess?: (candidate: Candidate<unknown>) => void;
  /**
   * Asked before every attempt: when a candidate may be tried again (wall-clock ms), or undefined when it may be
   * tried now. A blocked candidate (cooling down) is skipped without an attempt.
   */
  blockedUntil?: (candidate: Candidate<unknown>) => number | undefined;
  /** Overall deadline across attempts and backoff waits, on the `performance.now()` clock. */
  deadline?: number;
  /** Random source for backoff jitter. */
  random?: () => number;
  trace?: FallbackTrace;
}

export interface FallbackOutcome<T> {
  value: T;
  served: Candidate<T>;
  /** Every attempt made, 1 when the first try of the first candidate succeeded. */
  attempts: number;
  /** Failures before the one that succeeded. */
  failures: AttemptFailure[];
  /** Index of the served candidate: how many candidates were skipped or fallen back from. */
  fallbacks: number;
  /** Candidates actually attempted (the served one included); cooling-down ones skipped are not counted. */
  tried: number;
}

export function defaultShouldFallback(error: LlamaGateError): boolean {
  return isRetryableFailure(error) || error.status === 401 || error.status === 403 || error.code === 'model_not_found';
}

/**
 * Tries candidates in order: each with its own retries (exponential backoff with jitter, Retry-After honoured,
 * never past the deadline), then the next one when the failure allows it. A failure that does not allow
 * falling back (a 400) is the answer and is thrown as is; so is the failure of the only candidate tried.
 * When several were tried and all failed: AllProvidersFailedError listing each attempt. When every candidate
 * was blocked: 503 with the soonest retry time.
 */
export async function runWithFallback<T>(
  candidates: readonly Candidate<T>[],
  options: FallbackOptions = {},
): Promise<FallbackOutcome<T>> {
  const failures: AttemptFailure[] = [];
  const shouldFallback = options.shouldFallback ?? defaultShouldFallback;
  const trace = options.trace ?? { attempts: 0, fallbacks: 0 };
  const blocked: number[] = [];
  let attempts = 0;
  let tried = 0;
  let lastError: LlamaGateError | undefined;
  const remaining = () => (options.deadline === undefined ? undefined : options.deadline - performance.now());

  for (const [index, candidate] of candidates.entries()) {
    const blockedAt = options.blockedUntil?.(candidate as Candidate<unknown>);
    if (blockedAt !== undefined) {
      blocked.push(blockedAt);
      continue;
    }
    if (tried > 0) trace.fallbacks = tried;
    tried++;
    const retries = candidate.maxRetries ?? 0;
    for (let retry = 0; ; retry++) {
      const left = remaining();
      if (left !== undefined && left <= 0) throw lastError ?? deadlineError(options.deadline, attempts);
      attempts++;
      trace.attempts = attempts;
      trace.current = candidate.backend ?? candidate.model;
      try {
        const value = await candidate.run(options.signal, { retry, remainingMs: left });
        options.onSuccess?.(candidate as Candidate<unknown>);
        return { value, served: candidate, attempts, failures, fallbacks: index, tried };
      } catch (thrown) {
        const error = toLlamaGateError(thrown);
        lastError = error;
        failures.push({ model: candidate.model, provider: candidate.provider ?? error.provider, error });
        options.onFailure?.(candidate as Candidate<unknown>, error, retry);
        if (error.code === 'client_closed_request') throw error;
        // A full connection queue is not retried on the same backend: the retry would join the same queue.
        if (
          retry < retries &&
          error.code !== 'upstream_queue_full' &&
          isRetryableFailure(error) &&
          (await waitToRetry(retry, error, candidate))
        )
          continue;
        if (!shouldFallback(error)) throw error;
        break;
      }
    }
  }
  if (tried === 0) throw coolingDownError(blocked);
  if (tried === 1 && lastError !== undefined) throw lastError;
  throw new AllProvidersFailedError(failures);

  async function waitToRetry(retry: number, error: LlamaGateError, candidate: Candidate<T>): Promise<boolean> {
    const delay = backoffDelay(retry, options.backoff, error.retryAfter, options.random);
    if (delay === undefined) return false;
    const left = remaining();
    if (left !== undefined && delay >= left) return false;
    // The failure may just have taken the backend out; then the next candidate is the better bet.
    if (options.blockedUntil?.(candidate as Candidate<unknown>) !== undefined) return false;
    await sleep(delay, options.signal);
    return true;
  }
}

function coolingDownError(blocked: readonly number[]): ServiceUnavailableError {
  const soonest = blocked.length === 0 ? Date.now() : Math.min(...blocked);
  const seconds = Math.max(1, Math.ceil((soonest - Date.now()) / 1000));
  return new ServiceUnavailableError({
    message: `Every backend for this request is cooling down after repeated failures; retry after ${seconds}s`,
    retryAfter: seconds,
    isRetryable: true,
  });
}

function deadlineError(deadline: number | undefined, attempts: number): TimeoutError {
  return new TimeoutError({
    message: `The request deadline passed after ${attempts} attempt${attempts === 1 ? '' : 's'}`,
    isRetryable: false,
    cause: deadline,
  });
}
