import { AllProvidersFailedError, type AttemptFailure, toLlamaGateError } from '../spec/errors.js';
import { backoffDelay, type BackoffOptions, isRetryableFailure, sleep } from './backoff.js';

export interface Candidate<T> {
  /** Shown in errors, headers and logs. */
  model: string;
  provider?: string;
  backend?: string;
  /** Retries of this candidate on retryable failures before moving on (default 0). */
  maxRetries?: number;
  run(signal: AbortSignal | undefined): Promise<T>;
}

export interface FallbackOptions {
  signal?: AbortSignal;
  backoff?: BackoffOptions;
  /** Whether a failure moves on to the next candidate (default: retryable failures and auth errors). */
  shouldFallback?: (error: ReturnType<typeof toLlamaGateError>) => boolean;
  /** Called after every failed attempt (metrics, cooldown bookkeeping). */
  onFailure?: (candidate: Candidate<unknown>, error: ReturnType<typeof toLlamaGateError>, attempt: number) => void;
  onSuccess?: (candidate: Candidate<unknown>) => void;
}

export interface FallbackOutcome<T> {
  value: T;
  served: Candidate<T>;
  /** Every attempt made, 1 when the first try of the first candidate succeeded. */
  attempts: number;
  /** Failures before the one that succeeded. */
  failures: AttemptFailure[];
  /** How many candidates were skipped past. */
  fallbacks: number;
}

export function defaultShouldFallback(error: ReturnType<typeof toLlamaGateError>): boolean {
  return isRetryableFailure(error) || error.status === 401 || error.status === 403 || error.code === 'model_not_found';
}

/**
 * Tries candidates in order: each with its own retries (exponential backoff, Retry-After honoured), then the
 * next one when the failure allows it. Throws the only error when there was one candidate, else
 * AllProvidersFailedError listing each attempt.
 */
export async function runWithFallback<T>(candidates: readonly Candidate<T>[], options: FallbackOptions = {}): Promise<FallbackOutcome<T>> {
  const failures: AttemptFailure[] = [];
  const shouldFallback = options.shouldFallback ?? defaultShouldFallback;
  let attempts = 0;
  for (const [index, candidate] of candidates.entries()) {
    const retries = candidate.maxRetries ?? 0;
    for (let retry = 0; ; retry++) {
      attempts++;
      try {
        const value = await candidate.run(options.signal);
        options.onSuccess?.(candidate as Candidate<unknown>);
        return { value, served: candidate, attempts, failures, fallbacks: index };
      } catch (thrown) {
        const error = toLlamaGateError(thrown);
        failures.push({ model: candidate.model, provider: candidate.provider ?? error.provider, error });
        options.onFailure?.(candidate as Candidate<unknown>, error, retry);
        if (error.code === 'client_closed_request') throw error;
        if (retry < retries && isRetryableFailure(error)) {
          const delay = backoffDelay(retry, options.backoff, error.retryAfter);
          if (delay !== undefined) {
            await sleep(delay, options.signal);
            continue;
          }
        }
        if (index === candidates.length - 1 || !shouldFallback(error)) {
          if (candidates.length === 1 && failures.length > 0) throw error;
          throw new AllProvidersFailedError(failures);
        }
        break;
      }
    }
  }
  throw new AllProvidersFailedError(failures);
}
