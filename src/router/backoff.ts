import { AbortedError, LlamaGateError } from '../spec/errors.js';

export interface BackoffOptions {
  /** Delay before the first retry (default 250 ms). */
  initialDelayMs?: number;
  /** Upper bound of one computed delay (default 8 s). */
  maxDelayMs?: number;
  /** Growth per attempt (default 2). */
  multiplier?: number;
  /** `full` (default): uniform in [0, delay]; `equal`: delay/2 + uniform half; `none`: exact. */
  jitter?: 'full' | 'equal' | 'none';
  /** The longest upstream Retry-After honoured (default 60 s); longer ones are not waited for. */
  maxRetryAfterMs?: number;
}

/**
 * The wait before retry number `attempt` (0-based): exponential with jitter, but never shorter than the
 * upstream's Retry-After when it sent one. Returns undefined when Retry-After exceeds `maxRetryAfterMs`.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = {},
  retryAfterSeconds?: number,
  random: () => number = Math.random,
): number | undefined {
  const initial = options.initialDelayMs ?? 250;
  const max = options.maxDelayMs ?? 8_000;
  const exponential = Math.min(max, initial * (options.multiplier ?? 2) ** attempt);
  const jitter = options.jitter ?? 'full';
  const computed =
    jitter === 'none'
      ? exponential
      : jitter === 'equal'
        ? exponential / 2 + (random() * exponential) / 2
        : random() * exponential;
  if (retryAfterSeconds === undefined) return Math.round(computed);
  const asked = retryAfterSeconds * 1000;
  if (asked > (options.maxRetryAfterMs ?? 60_000)) return undefined;
  return Math.round(Math.max(computed, asked));
}

/** Resolves after `ms`, or rejects with AbortedError as soon as the signal fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted)
      return reject(new AbortedError({ message: 'The request was aborted by the caller', isRetryable: false }));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError({ message: 'The request was aborted by the caller', isRetryable: false }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Retry only what can succeed on a second try: typed retryable failures, never an abort or a 4xx. */
export function isRetryableFailure(error: unknown): boolean {
  return LlamaGateError.isInstance(error) && error.isRetryable && error.code !== 'client_closed_request';
}
