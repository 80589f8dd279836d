import { type BackoffOptions, backoffDelay, isRetryableFailure, sleep } from '../../router/backoff.js';
import { type LlamaGateError, toLlamaGateError } from '../../spec/errors.js';
import type { Middleware } from '../model-call.js';

export interface RetryOptions {
  /** Retries after the first attempt (default 2). */
  maxRetries?: number;
  /** Exponential backoff: initial delay, cap, multiplier, longest Retry-After honoured. */
  backoff?: Omit<BackoffOptions, 'jitter'>;
  /** `full` (default), `equal` or `none`. */
  jitter?: BackoffOptions['jitter'];
  /** Which failures are retried (default: rate limits, timeouts, 408/409/5xx; never 4xx or an abort). */
  retryOn?: (error: LlamaGateError) => boolean;
  /** Called before each wait (metrics, logs). */
  onRetry?: (error: LlamaGateError, attempt: number, delayMs: number) => void;
}

/**
 * Retries a failed call with exponential backoff and jitter, never sooner than the provider's `Retry-After`
 * (and not at all when that asks for longer than `backoff.maxRetryAfterMs`). A stream is retried only when it
 * fails before its first chunk; later failures belong to `streamFallbackMode`.
 *
 * @example
 * const gate = new LlamaGate({ middleware: [retry({ maxRetries: 3, backoff: { initialDelayMs: 500 } })] });
 */
export function retry(options: RetryOptions = {}): Middleware {
  const maxRetries = options.maxRetries ?? 2;
  const retryOn = options.retryOn ?? isRetryableFailure;
  const backoff: BackoffOptions = { ...options.backoff, jitter: options.jitter ?? 'full' };
  return (next) => async (call) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await next(call);
      } catch (thrown) {
        const error = toLlamaGateError(thrown);
        if (attempt >= maxRetries || error.code === 'client_closed_request' || !retryOn(error)) throw thrown;
        const delay = backoffDelay(attempt, backoff, error.retryAfter);
        if (delay === undefined) throw thrown;
        options.onRetry?.(error, attempt + 1, delay);
        await sleep(delay, call.options.signal);
      }
    }
  };
}
