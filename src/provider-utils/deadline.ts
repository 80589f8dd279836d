import { AbortedError, TimeoutError } from '../spec/errors.js';

/**
 * One AbortSignal for an upstream call that fires when the caller aborts or the deadline passes.
 * Uses a clearable timer (not AbortSignal.timeout) so finished calls do not leave timers behind.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly timedOut: boolean;
  /** The typed error that explains why the signal fired (timeout vs caller abort). */
  reasonError(details: { provider?: string; model?: string; url?: string }): TimeoutError | AbortedError;
  dispose(): void;
}

export function createDeadline(callerSignal: AbortSignal | undefined, timeoutMs: number | undefined): Deadline {
  const controller = new AbortController();
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal !== undefined) {
    if (callerSignal.aborted) controller.abort(callerSignal.reason);
    else callerSignal.addEventListener('abort', onAbort, { once: true });
  }
  if (timeoutMs !== undefined && timeoutMs > 0 && Number.isFinite(timeoutMs)) {
    timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`deadline of ${timeoutMs} ms passed`));
    }, timeoutMs);
    timer.unref();
  }
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    reasonError(details) {
      if (timedOut) {
        return new TimeoutError({
          message: `Upstream ${details.provider ?? ''} did not answer within ${timeoutMs} ms`.replace('  ', ' '),
          provider: details.provider,
          model: details.model,
          upstream: details.url === undefined ? undefined : { url: details.url },
        });
      }
      return new AbortedError({
        message: 'The request was aborted by the caller',
        provider: details.provider,
        model: details.model,
        isRetryable: false,
      });
    },
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onAbort);
    },
  };
}
