import { AbortedError, TimeoutError } from '../spec/errors.js';
import type { CallCutoff } from './buffered-call.js';

interface EndingDetails {
  provider?: string;
  model?: string;
  url?: string;
}

/** Whether an upstream call was cut short (deadline or caller), and the typed error that explains it. */
export interface CallEnding {
  /** True when the deadline passed or the caller aborted. */
  readonly ended: boolean;
  reasonError(details: EndingDetails): TimeoutError | AbortedError;
}

/**
 * One AbortSignal for an upstream call that fires when the caller aborts or the deadline passes.
 * Uses a clearable timer (not AbortSignal.timeout) so finished calls do not leave timers behind.
 */
export interface Deadline extends CallEnding {
  readonly signal: AbortSignal;
  readonly timedOut: boolean;
  dispose(): void;
}

function endingError(timedOut: boolean, timeoutMs: number | undefined, details: EndingDetails) {
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
}

/** The ending of a call that reports its cutoff itself (a {@link bufferedCall} failure). */
export function cutoffEnding(cutoff: CallCutoff | undefined, timeoutMs: number | undefined): CallEnding {
  return {
    ended: cutoff !== undefined,
    reasonError: (details) => endingError(cutoff === 'timeout', timeoutMs, details),
  };
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
    get ended() {
      return controller.signal.aborted;
    },
    get timedOut() {
      return timedOut;
    },
    reasonError: (details) => endingError(timedOut, timeoutMs, details),
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onAbort);
    },
  };
}
