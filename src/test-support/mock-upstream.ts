/**
 * A real HTTP server on 127.0.0.1 that plays a provider in tests: it records every request (method, path,
 * headers, parsed body) and answers with a handler's reply (JSON, SSE from recorded chunks, NDJSON, raw).
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface RecordedRequest {
  method: string;
  path: string;
  url: URL;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** The body parsed as JSON, or undefined when it was not JSON. */
  body: unknown;
}

export type MockHandler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface MockUpstream {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Replaces the handler for the following requests. */
  handle(handler: MockHandler): void;
  close(): Promise<void>;
}

export async function startMockUpstream(
  handler: MockHandler = (_, res) => sendJson(res, 200, {}),
): Promise<MockUpstream> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    let body: unknown;
    try {
      body = rawBody.length > 0 ? JSON.parse(rawBody.toString('utf8')) : undefined;
    } catch {
      body = undefined;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      url,
      headers: req.headers,
      rawBody,
      body,
    };
    requests.push(recorded);
    try {
      await current(recorded, res);
    } catch (error) {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error) } });
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(next) {
      current = next;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export interface StreamOptions {
  /** `sse` writes `data: <line>` events (with `event: <type>` when `eventFromType`), `ndjson` one line each. */
  format: 'sse' | 'ndjson';
  eventFromType?: boolean;
  /** Appends `data: [DONE]` (OpenAI-style SSE). */
  done?: boolean;
  contentType?: string;
  /** Delay between chunks, to exercise flushing. */
  delayMs?: number;
  /** Destroys the socket after this many lines (a mid-stream failure). */
  cutAfter?: number;
}

/** Streams recorded lines (one raw event payload each) the way the provider sends them. */
export async function sendStream(res: ServerResponse, lines: readonly string[], options: StreamOptions): Promise<void> {
  const contentType = options.contentType ?? (options.format === 'sse' ? 'text/event-stream' : 'application/x-ndjson');
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
  res.flushHeaders();
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => res.write(text, (error) => (error ? reject(error) : resolve())));
  let sent = 0;
  for (const line of lines) {
    if (options.cutAfter !== undefined && sent >= options.cutAfter) {
      res.destroy();
      return;
    }
    if (options.format === 'ndjson') {
      await write(`${line}\n`);
    } else {
      let event = '';
      if (options.eventFromType) {
        const type = (JSON.parse(line) as { type?: string }).type;
        if (type !== undefined) event = `event: ${type}\n`;
      }
      await write(`${event}data: ${line}\n\n`);
    }
    sent++;
    if (options.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
  }
  if (options.done) await write('data: [DONE]\n\n');
  res.end();
}

const here = dirname(fileURLToPath(import.meta.url));

/** Reads `src/providers/<provider>/__fixtures__/<name>`: JSON files parsed, `.chunks.txt` split into lines. */
export function readFixture(provider: string, name: string): unknown {
  const text = readFileSync(join(here, '..', 'providers', provider, '__fixtures__', name), 'utf8');
  return name.endsWith('.json') ? JSON.parse(text) : text;
}

export function readChunks(provider: string, name: string): string[] {
  const text = readFileSync(join(here, '..', 'providers', provider, '__fixtures__', name), 'utf8');
  return text.split('\n').filter((line) => line.trim().length > 0);
}

/** Collects an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** The JSON body of a recorded request as an object; fails the test when there was no such request or body. */
export function bodyOf(request: RecordedRequest | undefined): Record<string, unknown> {
  if (request === undefined) throw new Error('no such upstream request was recorded');
  if (typeof request.body !== 'object' || request.body === null)
    throw new Error(`upstream request to ${request.path} had no JSON object body`);
  return request.body as Record<string, unknown>;
}
