import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/**
 * One upstream request whose whole answer is buffered (every JSON call), dispatched straight to undici with a
 * small handler instead of `request()`: no body stream, no AbortController and no EventTarget of its own per
 * call. The deadline is one timer, cleared when the call ends.
 * The caller's signal is watched through one listener per signal (see {@link watchSignal}). This is the
 * gateway's hot path for non-streaming completions.
 */
export interface BufferedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** The request a dispatched call sends, and the dispatcher that sends it. */
export interface DispatchedRequest {
  dispatcher: Dispatcher;
  origin: string;
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

/** Hands the request to its dispatcher; a synchronous throw fails the handler as a transport error would. */
export function dispatchRequest(
  request: DispatchedRequest,
  handler: Dispatcher.DispatchHandler & { fail(error: unknown): void },
): void {
  try {
    request.dispatcher.dispatch(
      {
        origin: request.origin,
        path: request.path,
        method: request.method,
        headers: request.headers,
        body: request.body,
      },
      handler,
    );
  } catch (error) {
    handler.fail(error);
  }
}

export interface BufferedCallOptions extends DispatchedRequest {
  signal?: AbortSignal | undefined;
  /** Milliseconds until the call is given up (0 or undefined: no deadline of its own). */
  timeoutMs?: number | undefined;
  /** Bytes of a non-2xx body kept for the error message; the rest is read and dropped. */
  errorBodyLimit?: number;
}

/** Why a call ended early: its deadline passed, or the caller aborted. */
export type CallCutoff = 'timeout' | 'aborted';

/** Rejection of {@link bufferedCall}: the transport error, and whether the deadline or the caller caused it. */
export class BufferedCallFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly cutoff: CallCutoff | undefined,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'BufferedCallFailure';
  }
}

/** A call that stops when the caller's signal fires. */
export interface SignalWatcher {
  abort(reason: unknown): void;
}

/**
 * Calls waiting on each signal. A signal gets one abort listener of its own the first time a call uses it, and
 * calls join or leave its set: a keep-alive connection's signal serves every request on the connection, so
 * this replaces an EventTarget listener added and removed per call with a set insertion and deletion.
 */
const callsBySignal = new WeakMap<AbortSignal, Set<SignalWatcher>>();

export function watchSignal(signal: AbortSignal, handler: SignalWatcher): void {
  let calls = callsBySignal.get(signal);
  if (calls === undefined) {
    const created = new Set<SignalWatcher>();
    calls = created;
    callsBySignal.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        for (const call of [...created]) call.abort(signal.reason);
        created.clear();
      },
      { once: true },
    );
  }
  calls.add(handler);
}

export function unwatchSignal(signal: AbortSignal, handler: SignalWatcher): void {
  callsBySignal.get(signal)?.delete(handler);
}

/** A call's deadline: `expire` runs once `timeoutMs` passed (an unref'd timer); undefined when it has none. */
export function deadlineTimer(
  timeoutMs: number | undefined,
  expire: (error: Error) => void,
): NodeJS.Timeout | undefined {
  if (timeoutMs === undefined || timeoutMs <= 0 || !Number.isFinite(timeoutMs)) return undefined;
  const timer = setTimeout(() => expire(new Error(`deadline of ${timeoutMs} ms passed`)), timeoutMs);
  timer.unref();
  return timer;
}

class BufferedCallHandler implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  #pendingAbort: Error | undefined;
  #settled = false;
  #timer: NodeJS.Timeout | undefined;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #size = 0;
  #cutoff: CallCutoff | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #errorBodyLimit: number;
  readonly #resolve: (response: BufferedResponse) => void;
  readonly #reject: (failure: BufferedCallFailure) => void;

  constructor(
    options: BufferedCallOptions,
    resolve: (response: BufferedResponse) => void,
    reject: (failure: BufferedCallFailure) => void,
  ) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal = options.signal;
    this.#errorBodyLimit = options.errorBodyLimit ?? 1_000_000;
    this.#timer = deadlineTimer(options.timeoutMs, (error) => this.#stop('timeout', error));
    if (this.#signal !== undefined) watchSignal(this.#signal, this);
  }

  /** The caller's signal fired. */
  abort(reason: unknown): void {
    this.#stop('aborted', reason);
  }

  /** Ends the call now (deadline or caller): the promise rejects at once, the socket is released by undici. */
  #stop(cutoff: CallCutoff, reason: unknown): void {
    if (this.#settled) return;
    this.#cutoff = cutoff;
    const error = reason instanceof Error ? reason : new Error(String(reason ?? cutoff));
    if (this.#controller !== undefined) this.#controller.abort(error);
    else this.#pendingAbort = error;
    this.fail(error);
  }

  #cleanup(): void {
    this.#settled = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    if (this.#signal !== undefined) unwatchSignal(this.#signal, this);
  }

  /** Rejects the call (once); later events from undici are ignored. */
  fail(error: unknown): void {
    if (this.#settled) return;
    this.#cleanup();
    this.#reject(new BufferedCallFailure(error, this.#cutoff));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#pendingAbort !== undefined) controller.abort(this.#pendingAbort);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.#status = statusCode;
    this.#headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const failed = this.#status < 200 || this.#status >= 300;
    if (failed && this.#size >= this.#errorBodyLimit) return;
    this.#size += chunk.byteLength;
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#cleanup();
    const chunks = this.#chunks;
    const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    this.#resolve({ status: this.#status, headers: this.#headers, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }
}

/**
 * Sends one request and resolves with its status, headers and whole body, whatever the status. Transport
 * failures, the deadline and the caller's abort reject with a {@link BufferedCallFailure} naming the cutoff.
 */
export function bufferedCall(options: BufferedCallOptions): Promise<BufferedResponse> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new BufferedCallFailure(options.signal.reason, 'aborted'));
      return;
    }
    dispatchRequest(options, new BufferedCallHandler(options, resolve, reject));
  });
}
