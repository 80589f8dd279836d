import type { IncomingMessage, ServerResponse } from 'node:http';
import { DEFAULT_MAX_JSON_DEPTH, parseJsonWithLimits } from '../provider-utils/json-limits.js';
import { merged } from '../provider-utils/merged.js';
import { BadRequestError, type LlamaGateError, PayloadTooLargeError } from '../spec/errors.js';
import type { EncodedBody, EncodedError } from './wire/chat-codec.js';

/** Reads the request body up to `limit` bytes; larger bodies fail with 413 before they are buffered whole. */
export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () =>
    new PayloadTooLargeError({ message: `Request body is larger than the ${limit} byte limit`, param: 'body' });
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    // Left unread: the error response closes the connection rather than reading a body it will refuse.
    request.pause();
    return Promise.reject(tooLarge());
  }
  // Plain events rather than an async iterator: this runs on every request.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        cleanup();
        request.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
  });
}

export function parseJsonBody(raw: Buffer): unknown {
  if (raw.length === 0)
    throw new BadRequestError({
      code: 'invalid_json',
      message: 'The request body is empty; send a JSON object',
      param: 'body',
    });
  return parseJsonWithLimits(raw, { maxDepth: DEFAULT_MAX_JSON_DEPTH, param: 'body' });
}

const RESPONSE_HEADERS = Symbol('llamagate.responseHeaders');

interface WithResponseHeaders {
  [RESPONSE_HEADERS]?: string[];
}

/**
 * Adds name/value pairs that every answer to this request carries (request id, rate-limit state, billing's cost
 * and credit headers). They wait here and go out with the final `writeHead` as one flat list, Node's fast path,
 * instead of a `setHeader` each.
 */
export function addResponseHeaders(response: ServerResponse, ...pairs: string[]): void {
  const holder = response as ServerResponse & WithResponseHeaders;
  const pending = holder[RESPONSE_HEADERS];
  if (pending === undefined) holder[RESPONSE_HEADERS] = pairs;
  else pending.push(...pairs);
}

/**
 * Writes the status line and headers: the request's pending headers, then `headers`. Headers set with
 * `setHeader` before (the routing headers of a failed call) are kept; a name given here replaces theirs, and
 * every header then takes Node's slower path through `setHeader`, so the hot path adds its headers as pending.
 */
export function writeResponseHead(
  response: ServerResponse,
  status: number,
  headers: Record<string, string | number> | undefined,
  contentType: string,
  contentLength?: number,
): void {
  const holder = response as ServerResponse & WithResponseHeaders;
  const list = [...(holder[RESPONSE_HEADERS] ?? [])];
  if (headers !== undefined) for (const name in headers) list.push(name, String(headers[name]));
  list.push('content-type', contentType);
  if (contentLength !== undefined) list.push('content-length', String(contentLength));
  response.writeHead(status, list);
  // Sent: an open stream need not keep the list for its whole life (docs/decisions/0033-open-stream-memory.md).
  holder[RESPONSE_HEADERS] = undefined;
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  const text = JSON.stringify(body);
  writeResponseHead(response, status, headers, 'application/json', Buffer.byteLength(text));
  response.end(text);
}

/** Sends a body that already is JSON (an upstream's own bytes) without parsing or re-encoding it. */
export function sendJsonBytes(
  response: ServerResponse,
  status: number,
  body: Uint8Array,
  headers?: Record<string, string>,
): void {
  writeResponseHead(response, status, headers, 'application/json', body.byteLength);
  response.end(body);
}

/** Sends what a codec encoded: the upstream's own bytes, or a value serialised here. */
export function sendEncoded(response: ServerResponse, body: EncodedBody, headers: Record<string, string>): void {
  const all = body.headers === undefined ? headers : merged(headers, body.headers);
  if (body.kind === 'bytes') {
    writeResponseHead(response, body.status ?? 200, all, body.contentType, body.bytes.byteLength);
    response.end(body.bytes);
  } else sendJson(response, body.status ?? 200, body.json, all);
}

/** A failure before the response started, in the route's format; after it started, the connection is cut. */
export function sendError(
  response: ServerResponse,
  error: LlamaGateError,
  requestId: string,
  encode: (error: LlamaGateError, requestId: string) => EncodedError,
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const encoded = encode(error, requestId);
  sendJson(response, encoded.status, encoded.body, encoded.headers);
}

/** Writes to a response and waits for drain when the socket is full, so slow clients apply backpressure. */
export function writeWithBackpressure(response: ServerResponse, chunk: string | Uint8Array): Promise<void> | undefined {
  if (response.write(chunk)) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resolve();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
