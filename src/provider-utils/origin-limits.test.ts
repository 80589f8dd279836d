import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { callJson, configureOriginLimits, DEFAULT_MAX_CONNECTIONS, openUpstream } from './http-client.js';

describe('upstream connections per origin (issue 18, item 17)', () => {
  it('the default is above 256 connections', () => {
    expect(DEFAULT_MAX_CONNECTIONS).toBeGreaterThan(256);
  });

  it('a full wait queue answers an early 503 with Retry-After instead of waiting out the deadline', async () => {
    const held: (() => void)[] = [];
    let arrived = 0;
    const server = createServer((request, response) => {
      arrived++;
      request.resume();
      held.push(() => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{"ok":true}');
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    configureOriginLimits(origin, { maxConnections: 1, maxQueuedRequests: 1 });
    try {
      const call = () => callJson({ provider: 'slow', url: `${origin}/v1/x`, body: {}, timeoutMs: 30_000 });
      const first = call();
      while (arrived < 1) await new Promise((resolve) => setTimeout(resolve, 10));
      const second = call();
      const started = performance.now();
      const third = await call().catch((error: unknown) => error);
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(third).toMatchObject({ code: 'upstream_queue_full', status: 503, retryAfter: 1, isRetryable: true });
      expect((third as Error).message).not.toContain(origin);
      held.shift()?.();
      while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      held.shift()?.();
      expect((await first).value).toEqual({ ok: true });
      expect((await second).value).toEqual({ ok: true });
    } finally {
      server.close();
    }
  });

  it('maxQueuedRequests 0 lets no call wait: past the open connections the next is refused', async () => {
    const held: (() => void)[] = [];
    const server = createServer((request, response) => {
      request.resume();
      held.push(() => response.end('{"ok":true}'));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    configureOriginLimits(origin, { maxConnections: 1, maxQueuedRequests: 0 });
    try {
      const call = () => callJson({ provider: 'slow', url: `${origin}/v1/x`, body: {}, timeoutMs: 30_000 });
      // Dispatched back to back, before the connection opens: the second still counts against the cap.
      const first = call();
      const second = await call().catch((error: unknown) => error);
      expect(second).toMatchObject({ code: 'upstream_queue_full', status: 503 });
      while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      held.shift()?.();
      expect((await first).value).toEqual({ ok: true });
    } finally {
      server.close();
    }
  });

  it('a finished call frees its place: buffered, streamed, dropped and failed calls in turn never fill the queue', async () => {
    const server = createServer((request, response) => {
      request.resume();
      if (request.url === '/fail') {
        response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"no"}');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    configureOriginLimits(origin, { maxConnections: 1, maxQueuedRequests: 0 });
    try {
      for (let round = 0; round < 5; round++) {
        expect((await callJson({ provider: 'p', url: `${origin}/v1/x`, body: {} })).value).toEqual({ ok: true });
        const read = await openUpstream({ provider: 'p', url: `${origin}/v1/x`, body: {} });
        for await (const _ of read.body) {
          // Read to the end.
        }
        const dropped = await openUpstream({ provider: 'p', url: `${origin}/v1/x`, body: {} });
        dropped.close();
        // The body's close (what frees the place) comes a tick after the destroy.
        await new Promise((resolve) => setImmediate(resolve));
        await expect(callJson({ provider: 'p', url: `${origin}/fail`, body: {} })).rejects.toMatchObject({
          status: 500,
        });
        await expect(openUpstream({ provider: 'p', url: `${origin}/fail`, body: {} })).rejects.toMatchObject({
          status: 500,
        });
      }
    } finally {
      server.close();
    }
  });
});
