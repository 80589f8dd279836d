import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaGateError } from '../spec/errors.js';
import { callJson } from './http-client.js';

/** A local upstream whose behaviour each test picks by path; it records which requests the client dropped. */
let server: Server;
let base: string;
const closedEarly: string[] = [];
const received: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];

function handle(request: IncomingMessage, response: ServerResponse, body: string): void {
  received.push({ path: request.url ?? '', headers: request.headers, body });
  response.on('close', () => {
    if (!response.writableFinished) closedEarly.push(request.url ?? '');
  });
  switch ((request.url ?? '').split('?')[0]) {
    case '/ok':
      response.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
      response.write('{"answer":');
      response.end('42}');
      return;
    case '/bad-request':
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end('{"error":{"message":"messages is required","type":"invalid_request_error"}}');
      return;
    case '/not-json':
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>proxy login</html>');
      return;
    default:
      // '/slow': never answers; the client must give up.
      return;
  }
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, response, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(promise: Promise<unknown>): Promise<LlamaGateError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  if (!LlamaGateError.isInstance(error)) throw new Error(`expected a typed error, got ${String(error)}`);
  return error;
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}

describe('callJson', () => {
  it('sends the body as JSON with the headers and parses the whole answer, however it was chunked', async () => {
    const result = await callJson({
      provider: 'test',
      url: `${base}/ok?version=1`,
      headers: { 'x-request-id': 'req-1' },
      body: { model: 'm', messages: [] },
    });
    expect(result).toMatchObject({ status: 200, value: { answer: 42 } });
    expect(result.headers['x-upstream']).toBe('yes');
    const sent = received.find((entry) => entry.path === '/ok?version=1');
    expect(sent?.body).toBe('{"model":"m","messages":[]}');
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.headers['x-request-id']).toBe('req-1');
  });

  it('maps an upstream 4xx to a typed error that keeps the status and the upstream message', async () => {
    const error = await failure(callJson({ provider: 'test', url: `${base}/bad-request`, body: {} }));
    expect(error.status).toBe(400);
    expect(error.message).toContain('messages is required');
  });

  it('rejects a 2xx body that is not JSON with a provider error quoting it', async () => {
    const error = await failure(callJson({ provider: 'test', url: `${base}/not-json`, body: {} }));
    expect(error.status).toBe(502);
    expect(error.message).toContain('proxy login');
  });

  it('gives up at the deadline with a 504 and closes the upstream request', async () => {
    const error = await failure(callJson({ provider: 'test', url: `${base}/slow?deadline`, body: {}, timeoutMs: 50 }));
    expect(error.code).toBe('upstream_timeout');
    expect(error.status).toBe(504);
    await waitFor(() => closedEarly.includes('/slow?deadline'));
  });

  it('stops when the caller aborts mid-call (499) and closes the upstream request', async () => {
    const controller = new AbortController();
    const pending = callJson({ provider: 'test', url: `${base}/slow?abort`, body: {}, signal: controller.signal });
    await waitFor(() => received.some((entry) => entry.path === '/slow?abort'));
    controller.abort(new Error('client disconnected'));
    const error = await failure(pending);
    expect(error.code).toBe('client_closed_request');
    await waitFor(() => closedEarly.includes('/slow?abort'));
  });

  it('shares one abort listener among the calls on a signal, and stops every call in flight when it fires', async () => {
    const controller = new AbortController();
    const { signal } = controller;
    for (let i = 0; i < 5; i++) {
      expect(await callJson({ provider: 'test', url: `${base}/ok?shared-${i}`, body: {}, signal })).toMatchObject({
        value: { answer: 42 },
      });
    }
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    const pending = [1, 2, 3].map((i) =>
      failure(callJson({ provider: 'test', url: `${base}/slow?shared-${i}`, body: {}, signal })),
    );
    await waitFor(() => [1, 2, 3].every((i) => received.some((entry) => entry.path === `/slow?shared-${i}`)));
    expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    controller.abort(new Error('client disconnected'));
    for (const error of await Promise.all(pending)) expect(error.code).toBe('client_closed_request');
    await waitFor(() => [1, 2, 3].every((i) => closedEarly.includes(`/slow?shared-${i}`)));
  });

  it('does not send anything for a signal that is already aborted', async () => {
    const before = received.length;
    const error = await failure(
      callJson({ provider: 'test', url: `${base}/ok?never`, body: {}, signal: AbortSignal.abort() }),
    );
    expect(error.code).toBe('client_closed_request');
    expect(received.length).toBe(before);
  });

  it('rejects at once when aborted while still queued for a busy connection, and never sends it', async () => {
    const dispatcher = new Pool(base, { connections: 1 });
    try {
      const busy = callJson({ provider: 'test', url: `${base}/slow?busy`, body: {}, dispatcher, timeoutMs: 300 });
      const controller = new AbortController();
      const queued = callJson({
        provider: 'test',
        url: `${base}/ok?queued`,
        body: {},
        dispatcher,
        signal: controller.signal,
      });
      controller.abort();
      expect((await failure(queued)).code).toBe('client_closed_request');
      expect((await failure(busy)).code).toBe('upstream_timeout');
      expect(received.some((entry) => entry.path === '/ok?queued')).toBe(false);
    } finally {
      await dispatcher.close();
    }
  });

  it('reports an unreachable upstream as 502 upstream_unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await failure(callJson({ provider: 'test', url: `http://127.0.0.1:${port}/v1/chat`, body: {} }));
    expect(error.code).toBe('upstream_unreachable');
    expect(error.status).toBe(502);
  });
});
