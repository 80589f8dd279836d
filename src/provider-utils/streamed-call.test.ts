import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Dispatcher, Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferedCallFailure } from './buffered-call.js';
import { streamedCall } from './streamed-call.js';

/** A local upstream: `/big` writes 8 MiB as fast as the socket takes it, `/drip` one line and then nothing. */
let server: Server;
let origin: string;
let pool: Pool;
/** Per path: whether the server wrote its whole body, and whether the client hung up early. */
const seen: Record<string, { wroteAll: boolean; closedEarly: boolean }> = {};

const LINE = Buffer.alloc(64 * 1024, 'a');

function writeBig(response: ServerResponse, remaining: number): void {
  while (remaining > 0) {
    remaining--;
    if (!response.write(LINE)) {
      response.once('drain', () => writeBig(response, remaining));
      return;
    }
  }
  (seen['/big'] as { wroteAll: boolean }).wroteAll = true;
  response.end();
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? '';
    seen[path] = { wroteAll: false, closedEarly: false };
    response.on('close', () => {
      if (!response.writableFinished) (seen[path] as { closedEarly: boolean }).closedEarly = true;
    });
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      if (path === '/big') writeBig(response, 128);
      else response.write('{"line":1}\n');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  pool = new Pool(origin, { connections: 4 });
});

afterAll(async () => {
  await pool.close();
  server.closeAllConnections();
  server.close();
});

const call = (path: string, extra: { timeoutMs?: number; onSettled?: () => void } = {}) =>
  streamedCall({ dispatcher: pool, origin, path, method: 'POST', headers: {}, body: '{}', ...extra });

describe('streamedCall', () => {
  it('pauses the upstream while the reader is behind, and delivers every byte in order once it reads', async () => {
    const response = await call('/big');
    expect(response.status).toBe(200);
    // Not reading: the handler queues 64 KiB and pauses the socket, so the server cannot write all 8 MiB.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seen['/big']?.wroteAll).toBe(false);
    let total = 0;
    for await (const chunk of response.body) {
      expect(chunk.every((byte) => byte === 0x61)).toBe(true);
      total += chunk.byteLength;
    }
    expect(total).toBe(128 * LINE.byteLength);
  });

  it('a deadline passing mid-body fails the next read with the timeout cutoff, and frees the call once', async () => {
    let settled = 0;
    const response = await call('/drip', { timeoutMs: 200, onSettled: () => settled++ });
    const iterator = response.body[Symbol.asyncIterator]();
    expect(Buffer.from((await iterator.next()).value as Uint8Array).toString()).toBe('{"line":1}\n');
    const failure = await iterator.next().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(BufferedCallFailure);
    expect((failure as BufferedCallFailure).cutoff).toBe('timeout');
    response.close();
    expect(settled).toBe(1);
  });

  it('an open stream keeps the parsed headers and lets go of the raw header buffers undici hands over', async () => {
    // An interceptor in front of the pool sees the controller the handler gets, before and after the handler.
    let controller: Dispatcher.DispatchController | undefined;
    let rawBefore: unknown;
    const watched = pool.compose(
      (dispatch) => (options, handler) =>
        dispatch(options, {
          onRequestStart: (started, context) => {
            controller = started;
            handler.onRequestStart?.(started, context);
          },
          onResponseStart: (started, status, headers, message) => {
            rawBefore = started.rawHeaders;
            handler.onResponseStart?.(started, status, headers, message);
          },
          onResponseData: (started, chunk) => handler.onResponseData?.(started, chunk),
          onResponseEnd: (started, trailers) => handler.onResponseEnd?.(started, trailers),
          onResponseError: (started, error) => handler.onResponseError?.(started, error),
        }),
    );
    const response = await streamedCall({
      dispatcher: watched,
      origin,
      path: '/drip?headers',
      method: 'POST',
      headers: {},
      body: '{}',
    });
    expect(Array.isArray(rawBefore) && rawBefore.every((part) => Buffer.isBuffer(part))).toBe(true);
    expect(controller?.rawHeaders).toBeNull();
    expect(response.headers['content-type']).toBe('application/x-ndjson');
    const iterator = response.body[Symbol.asyncIterator]();
    expect(Buffer.from((await iterator.next()).value as Uint8Array).toString()).toBe('{"line":1}\n');
    response.close();
  });

  it('close() before the end drops the upstream connection and ends a waiting read', async () => {
    let settled = 0;
    const response = await call('/drip?close', { onSettled: () => settled++ });
    const iterator = response.body[Symbol.asyncIterator]();
    await iterator.next();
    const waiting = iterator.next();
    response.close();
    expect(await waiting).toEqual({ done: true, value: undefined });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen['/drip?close']?.closedEarly).toBe(true);
    expect(settled).toBe(1);
  });
});
