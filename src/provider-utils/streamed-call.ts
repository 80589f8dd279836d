import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import {
  BufferedCallFailure,
  type CallCutoff,
  type DispatchedRequest,
  deadlineTimer,
  dispatchRequest,
  type SignalWatcher,
  unwatchSignal,
  watchSignal,
} from './buffered-call.js';

/**
 * One upstream request whose body is read as it arrives (every streamed completion), dispatched straight to
 * undici with a small handler instead of `request()`: no Readable body stream, no AbortController and no
 * EventTarget listener of its own per call. An open stream holds this handler and its few queued chunks; the
 * deadline is one timer, cleared when the body ends or the caller closes it (docs/decisions/0016-streamed-upstream-calls.md).
 */
export interface StreamedCallOptions extends DispatchedRequest {
  signal?: AbortSignal | undefined;
  /** Milliseconds until the call is given up, body included (0 or undefined: no deadline of its own). */
  timeoutMs?: number | undefined;
  /** Called once when the call is over: body read to the end, failed, or closed. */
  onSettled?: () => void;
  /** What a body read that failed rejects with (by default the {@link BufferedCallFailure} itself). */
  bodyError?: (failure: BufferedCallFailure) => unknown;
}

export interface StreamedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body's chunks as they arrive; iterate once. Failures reject with the `bodyError` of the failure. */
  body: AsyncIterable<Uint8Array>;
  /** Stops the call (the connection is dropped unless the body was read to the end). Safe to call twice. */
  close(): void;
}

/** Bytes queued unread before the socket is paused (a client slower than its upstream). */
const HIGH_WATER_BYTES = 64 * 1024;

interface Waiter {
  resolve: (result: IteratorResult<Uint8Array>) => void;
  reject: (failure: unknown) => void;
}

const DONE: IteratorResult<Uint8Array> = { done: true, value: undefined };

class StreamedCallHandler
  implements Dispatcher.DispatchHandler, SignalWatcher, StreamedResponse, AsyncIterator<Uint8Array>
{
  status = 0;
  headers: IncomingHttpHeaders = {};
  #controller: Dispatcher.DispatchController | undefined;
  #pendingAbort: Error | undefined;
  #started = false;
  /** Ended, failed or closed: nothing more is delivered and the timer and signal are let go. */
  #settled = false;
  #ended = false;
  /** Set when the body failed: what its reads reject with. */
  #failure: unknown;
  #failed = false;
  #cutoff: CallCutoff | undefined;
  #timer: NodeJS.Timeout | undefined;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #paused = false;
  #waiter: Waiter | undefined;
  readonly #options: StreamedCallOptions;
  readonly #resolve: (response: StreamedResponse) => void;
  readonly #reject: (failure: BufferedCallFailure) => void;

  constructor(
    options: StreamedCallOptions,
    resolve: (response: StreamedResponse) => void,
    reject: (failure: BufferedCallFailure) => void,
  ) {
    this.#options = options;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#timer = deadlineTimer(options.timeoutMs, (error) => this.#stop('timeout', error));
    if (options.signal !== undefined) watchSignal(options.signal, this);
  }

  get body(): AsyncIterable<Uint8Array> {
    return this;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this;
  }

  next(): Promise<IteratorResult<Uint8Array>> {
    const chunk = this.#queue.shift();
    if (chunk !== undefined) {
      this.#queuedBytes -= chunk.byteLength;
      if (this.#paused && this.#queue.length === 0) {
        this.#paused = false;
        this.#controller?.resume();
      }
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.#failed) return Promise.reject(this.#failure);
    if (this.#settled) return Promise.resolve(DONE);
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Uint8Array>> {
    this.close();
    return Promise.resolve(DONE);
  }

  close(): void {
    if (this.#settled) return;
    this.#queue.length = 0;
    // Settled first: undici reports the abort back through onResponseError at once, which must be ignored.
    this.#settle();
    this.#abortUpstream(new Error('closed by the caller'));
    this.#wake(DONE);
  }

  /** The caller's signal fired. */
  abort(reason: unknown): void {
    this.#stop('aborted', reason);
  }

  #stop(cutoff: CallCutoff, reason: unknown): void {
    if (this.#settled) return;
    this.#cutoff = cutoff;
    const error = reason instanceof Error ? reason : new Error(String(reason ?? cutoff));
    this.#abortUpstream(error);
    this.fail(error);
  }

  #abortUpstream(error: Error): void {
    if (this.#ended) return;
    if (this.#controller !== undefined) this.#controller.abort(error);
    else this.#pendingAbort = error;
  }

  #settle(): void {
    this.#settled = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#options.signal !== undefined) unwatchSignal(this.#options.signal, this);
    this.#options.onSettled?.();
  }

  #wake(result: IteratorResult<Uint8Array>): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    waiter.resolve(result);
  }

  /** Fails the call (once): before the response started its promise rejects, after it the body's next read. */
  fail(error: unknown): void {
    if (this.#settled) return;
    this.#settle();
    const failure = new BufferedCallFailure(error, this.#cutoff);
    if (!this.#started) {
      this.#reject(failure);
      return;
    }
    this.#failed = true;
    this.#failure = this.#options.bodyError === undefined ? failure : this.#options.bodyError(failure);
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    this.#waiter = undefined;
    waiter.reject(this.#failure);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#pendingAbort !== undefined) controller.abort(this.#pendingAbort);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // The parsed headers are all this call reads; the controller would keep the raw header Buffers for the
    // stream's whole life (docs/decisions/0033-open-stream-memory.md).
    controller.rawHeaders = null;
    if (this.#settled) return;
    this.status = statusCode;
    this.headers = headers;
    this.#started = true;
    this.#resolve(this);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    const waiter = this.#waiter;
    if (waiter !== undefined) {
      this.#waiter = undefined;
      waiter.resolve({ done: false, value: chunk });
      return;
    }
    this.#queue.push(chunk);
    this.#queuedBytes += chunk.byteLength;
    if (!this.#paused && this.#queuedBytes > HIGH_WATER_BYTES) {
      this.#paused = true;
      controller.pause();
    }
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#ended = true;
    this.#settle();
    this.#wake(DONE);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }
}

/**
 * Sends one request and resolves when its status and headers arrived, whatever the status; the body follows
 * as it arrives. Transport failures, the deadline and the caller's abort reject (the call, or the body's next
 * read) with a {@link BufferedCallFailure} naming the cutoff.
 */
export function streamedCall(options: StreamedCallOptions): Promise<StreamedResponse> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      options.onSettled?.();
      reject(new BufferedCallFailure(options.signal.reason, 'aborted'));
      return;
    }
    dispatchRequest(options, new StreamedCallHandler(options, resolve, reject));
  });
}
