import type { Dispatcher, Pool } from 'undici';
import { LlamaGateError, ProviderAPIError, ServiceUnavailableError, TimeoutError } from '../spec/errors.js';
import { BufferedCallFailure, type BufferedResponse, bufferedCall } from './buffered-call.js';
import { type CallEnding, cutoffEnding } from './deadline.js';
import { merged } from './merged.js';
import { RecentResults } from './recent-results.js';
import { type StreamedCallOptions, type StreamedResponse, streamedCall } from './streamed-call.js';
import { undici } from './undici.js';
import { errorFromUpstream, type UpstreamFailure } from './upstream-error.js';

const POOL_OPTIONS = {
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 600_000,
  headersTimeout: 0,
  bodyTimeout: 0,
} as const;

/** Connections per upstream origin unless its backend sets `maxConnections` (256 queued streams for a minute). */
export const DEFAULT_MAX_CONNECTIONS = 1024;
/** Requests waiting for a connection per origin beyond the open ones, unless `maxQueuedRequests` says otherwise (0: none wait). */
export const DEFAULT_MAX_QUEUED_REQUESTS = 4096;

export interface OriginLimits {
  maxConnections: number;
  maxQueuedRequests: number;
}

const originLimits = new Map<string, OriginLimits>();

/**
 * Sets the connection cap and wait-queue bound of one upstream origin (from a backend's `maxConnections` and
 * `maxQueuedRequests`). A pool already open keeps its connection count until the process restarts.
 */
export function configureOriginLimits(origin: string, limits: Partial<OriginLimits>): void {
  const current = originLimits.get(origin) ?? {
    maxConnections: DEFAULT_MAX_CONNECTIONS,
    maxQueuedRequests: DEFAULT_MAX_QUEUED_REQUESTS,
  };
  originLimits.set(origin, { ...current, ...limits });
}

function limitsFor(origin: string): OriginLimits {
  return (
    originLimits.get(origin) ?? {
      maxConnections: DEFAULT_MAX_CONNECTIONS,
      maxQueuedRequests: DEFAULT_MAX_QUEUED_REQUESTS,
    }
  );
}

/**
 * Refuses at once, with 503 and Retry-After, a call whose origin already has its full wait queue: waiting
 * behind thousands of others would only burn the client's deadline.
 */
function admit(shared: SharedPool, origin: string, call: { provider: string; model?: string }): () => void {
  const { maxQueuedRequests } = limitsFor(origin);
  const connections = shared.connections;
  // Calls running or waiting for a connection, counted here: undici's `pool.stats` walks every connection.
  if (shared.inflight < connections + maxQueuedRequests) {
    shared.inflight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      shared.inflight--;
    };
  }
  // The message reaches clients: it names the provider, not the operator's upstream address.
  throw new ServiceUnavailableError({
    code: 'upstream_queue_full',
    message: `${call.provider} is at its connection limit (${connections} busy, ${maxQueuedRequests} waiting); retry shortly`,
    provider: call.provider,
    model: call.model,
    retryAfter: 1,
    isRetryable: true,
  });
}

/**
 * One keep-alive Pool per upstream origin (cheaper per call than resolving the origin through an Agent).
 * undici's own header/body timeouts are off: every call carries its own deadline (TIMEOUT may be up to
 * 30 minutes for slow local models).
 */
interface SharedPool {
  pool: Pool;
  /** The connection count it was opened with (a later `configureOriginLimits` does not resize it). */
  connections: number;
  /** Calls admitted and not finished (body read or dropped, or failed). */
  inflight: number;
}

const pools = new Map<string, SharedPool>();

function poolFor(origin: string): SharedPool {
  let shared = pools.get(origin);
  if (shared === undefined) {
    const { maxConnections } = limitsFor(origin);
    shared = {
      pool: new (undici().Pool)(origin, { ...POOL_OPTIONS, connections: maxConnections }),
      connections: maxConnections,
      inflight: 0,
    };
    pools.set(origin, shared);
  }
  return shared;
}

export async function closeSharedDispatcher(): Promise<void> {
  const open = [...pools.values()];
  pools.clear();
  await Promise.all(open.map((shared) => shared.pool.close()));
}

export interface UpstreamCall {
  provider: string;
  model?: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** A JSON-serialisable value, or a string/bytes sent as is. */
  body?: unknown;
  signal?: AbortSignal;
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  /** Adapter hook to read its provider's error body shape. */
  describeError?: (body: unknown) => { message?: string; code?: string };
}

export interface UpstreamStream {
  status: number;
  headers: Record<string, string>;
  /** The response body; iterate it once. Iteration errors are typed (timeout, abort, connection). */
  body: AsyncIterable<Uint8Array>;
  /** Stops the call (destroys the body, clears the deadline). Safe to call twice. */
  close(): void;
}

/** Drops a response body; the listener keeps undici's abort of an unread body from surfacing as unhandled. */
export function discardBody(body: { on(event: 'error', listener: () => void): unknown; destroy(): unknown }): void {
  body.on('error', () => {});
  body.destroy();
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  // undici hands over lower-case names: only repeated headers (arrays), gaps or other spellings need a copy.
  let plain = true;
  for (const name in headers) {
    if (typeof headers[name] !== 'string' || name !== name.toLowerCase()) {
      plain = false;
      break;
    }
  }
  if (plain) return headers as Record<string, string>;
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

function serialiseBody(body: unknown): string | Uint8Array | undefined {
  if (body === undefined) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  return JSON.stringify(body);
}

/** Turns a transport failure into a typed error: deadline → 504, caller abort → 499, socket → 502. */
export function transportError(error: unknown, call: UpstreamCall, ending: CallEnding): LlamaGateError {
  if (LlamaGateError.isInstance(error)) return error;
  if (ending.ended) return ending.reasonError({ provider: call.provider, model: call.model, url: call.url });
  const code = (error as { code?: string } | undefined)?.code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new TimeoutError({
      message: `${call.provider} timed out (${code})`,
      provider: call.provider,
      model: call.model,
      cause: error,
    });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new ProviderAPIError({
    code: 'upstream_unreachable',
    message: `Could not reach ${call.provider} at ${new URL(call.url).origin}: ${code ?? reason}`,
    provider: call.provider,
    model: call.model,
    isRetryable: true,
    upstream: { url: call.url },
    cause: error,
  });
}

async function readText(body: AsyncIterable<Uint8Array>, limit = 1_000_000): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > limit) break;
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function failureFromResponse(
  call: UpstreamCall,
  status: number,
  headers: Record<string, string>,
  body: AsyncIterable<Uint8Array>,
): Promise<LlamaGateError> {
  return failureFromText(call, status, headers, await readText(body));
}

function failureFromText(
  call: UpstreamCall,
  status: number,
  headers: Record<string, string>,
  text: string,
): LlamaGateError {
  const parsed = parseMaybeJson(text);
  const described = call.describeError?.(parsed) ?? {};
  const failure: UpstreamFailure = {
    provider: call.provider,
    model: call.model,
    url: call.url,
    status,
    headers,
    body: parsed,
    message: described.message,
    providerCode: described.code,
  };
  return errorFromUpstream(failure);
}

/**
 * The options a call is dispatched with: body serialised, JSON content type added, URL split, signal and
 * deadline, the dispatcher — the caller's, or the origin's shared Pool once the connection cap admits the call
 * (`onSettled` then gives the slot back) — and, for a streamed call, what a failed body read rejects with. One
 * literal with every field: on Node 20 an object spread followed by a new property (`{ ...options, signal }`)
 * gives each object a map of its own (docs/decisions/0019-no-spread-then-add-on-the-hot-path.md).
 */
function dispatchedCall(call: UpstreamCall, bodyError?: StreamedCallOptions['bodyError']): StreamedCallOptions {
  const body = serialiseBody(call.body);
  let headers: Record<string, string> = call.headers ?? {};
  if (body !== undefined && headers['content-type'] === undefined)
    headers = merged(headers, { 'content-type': 'application/json' });
  const { origin, path } = splitUrl(call.url);
  const method = call.method ?? (body === undefined ? 'GET' : 'POST');
  let dispatcher = call.dispatcher;
  let onSettled: (() => void) | undefined;
  if (dispatcher === undefined) {
    const shared = poolFor(origin);
    onSettled = admit(shared, origin, call);
    dispatcher = shared.pool;
  }
  return {
    dispatcher,
    origin,
    path,
    method,
    headers,
    body,
    signal: call.signal,
    timeoutMs: call.timeoutMs,
    onSettled,
    bodyError,
  };
}

/**
 * Starts an upstream call and resolves once a 2xx status arrived; a non-2xx status is read and thrown as
 * a typed error. The deadline stays armed until the body is consumed or `close()` is called. Dispatched
 * straight to the origin's Pool (or the caller's dispatcher) with a small handler ({@link streamedCall}).
 */
export async function openUpstream(call: UpstreamCall): Promise<UpstreamStream> {
  let response: StreamedResponse;
  try {
    // The call holds its connection until the body is read to the end or dropped (then `onSettled` runs);
    // body failures are typed (timeout, abort, connection), as UpstreamStream promises.
    response = await streamedCall(dispatchedCall(call, (failure) => failureToError(failure, call)));
  } catch (error) {
    throw failureToError(error, call);
  }
  const responseHeaders = flattenHeaders(response.headers);
  if (response.status < 200 || response.status >= 300) {
    try {
      throw await failureFromResponse(call, response.status, responseHeaders, response.body);
    } catch (error) {
      throw failureToError(error, call);
    } finally {
      response.close();
    }
  }
  return {
    status: response.status,
    headers: responseHeaders,
    body: response.body,
    close: () => response.close(),
  };
}

function failureToError(error: unknown, call: UpstreamCall): LlamaGateError {
  if (!(error instanceof BufferedCallFailure)) return transportError(error, call, cutoffEnding(undefined, undefined));
  return transportError(error.cause, call, cutoffEnding(error.cutoff, call.timeoutMs));
}

export interface JsonResponse {
  status: number;
  headers: Record<string, string>;
  value: unknown;
  /** The body as received (what `value` was parsed from). */
  bytes: Buffer;
}

/** Origin and path of each upstream URL, parsed once (adapters call the same few URLs over and over). */
const parsedUrls = new RecentResults<{ origin: string; path: string }>(1000, 2048);

function parseUrl(url: string): { origin: string; path: string } {
  const { origin, pathname, search } = new URL(url);
  return { origin, path: `${pathname}${search}` };
}

function splitUrl(url: string): { origin: string; path: string } {
  return parsedUrls.get(url, parseUrl);
}

/**
 * A whole JSON call: status check, typed errors, parsed body. Dispatched straight to the origin's Pool (or the
 * caller's dispatcher) and buffered by a small handler ({@link bufferedCall}); the deadline is one timer.
 */
export async function callJson(call: UpstreamCall): Promise<JsonResponse> {
  const options = dispatchedCall(call);
  let response: BufferedResponse;
  try {
    response = await bufferedCall(options);
  } catch (error) {
    throw failureToError(error, call);
  } finally {
    options.onSettled?.();
  }
  const responseHeaders = flattenHeaders(response.headers);
  const text = response.body.toString('utf8');
  if (response.status < 200 || response.status >= 300) {
    throw failureFromText(call, response.status, responseHeaders, text);
  }
  try {
    return { status: response.status, headers: responseHeaders, value: JSON.parse(text), bytes: response.body };
  } catch (cause) {
    throw new ProviderAPIError({
      message: `${call.provider} answered with a body that is not JSON: ${text.slice(0, 200)}`,
      provider: call.provider,
      model: call.model,
      upstream: { url: call.url, status: response.status, headers: responseHeaders, body: text.slice(0, 2000) },
      cause,
    });
  }
}
