/**
 * A relayed Anthropic stream (the client's own body forwarded to an Anthropic backend, its bytes relayed)
 * when things go wrong: an upstream cut mid-stream, or a body ending mid-event, ends the client's stream
 * with the gateway's own `error` event after the whole events relayed so far (never half an event), and a
 * client that goes away closes the upstream call.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, readChunks, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { type Harness, startGateway } from './gateway-harness.js';

let upstream: MockUpstream;
let gateway: Harness;

const lines = readChunks('anthropic', 'anthropic-text.chunks.txt');
const sse = (events: readonly string[]) =>
  events.map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`).join('');

beforeAll(async () => {
  upstream = await startMockUpstream();
  const file = join(mkdtempSync(join(tmpdir(), 'lg-anthropic-relay-')), 'llamagate.yaml');
  writeFileSync(
    file,
    `defaultBackend: claude
healthCheckInterval: 0
backends:
  - { name: claude, type: anthropic, config: { endpoint: "${upstream.url}/v1", apiKey: sk-ant } }
`,
  );
  gateway = await startGateway({ configFile: file });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

const ask = {
  model: 'claude-sonnet-4-5-20250929',
  max_tokens: 64,
  messages: [{ role: 'user' as const, content: 'Hi' }],
};

describe('a relayed Anthropic stream', () => {
  it("ends with the gateway's error event after the events relayed so far when the upstream is cut", async () => {
    upstream.handle((_, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      // Four whole events and half of the fifth, then the connection drops.
      const fifth = sse(lines.slice(4, 5));
      response.write(sse(lines.slice(0, 4)) + fifth.slice(0, 20), () => response.destroy());
    });
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'unused', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ ...ask, stream: true }),
    });
    const text = await response.text();
    expect(text.startsWith(sse(lines.slice(0, 4)))).toBe(true);
    const rest = text.slice(sse(lines.slice(0, 4)).length);
    expect(rest).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"\w+","message":"[^"]+"\}\}\n\n$/);

    const stream = new Anthropic({ apiKey: 'unused', baseURL: gateway.url, maxRetries: 0 }).messages.stream(ask);
    await expect(stream.finalMessage()).rejects.toThrow();
  });

  const post = (body: object) =>
    fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'unused', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('relays no half event when the upstream ends its body cleanly in the middle of one', async () => {
    upstream.handle((_, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      // Four whole events and half of the fifth, then a clean end of the body (not a dropped connection).
      response.end(sse(lines.slice(0, 4)) + sse(lines.slice(4, 5)).slice(0, 40));
    });
    const text = await (await post({ ...ask, stream: true })).text();
    expect(text.startsWith(sse(lines.slice(0, 4)))).toBe(true);
    const rest = text.slice(sse(lines.slice(0, 4)).length);
    expect(rest).toMatch(/^event: error\ndata: \{"type":"error","error":\{"type":"\w+","message":"[^"]+"\}\}\n\n$/);
  });

  it('relays an upstream error event that ends the body without its blank line, closed by one', async () => {
    const error = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
    upstream.handle((_, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(`${sse(lines.slice(0, 4))}event: error\ndata: ${error}`);
    });
    const text = await (await post({ ...ask, stream: true })).text();
    expect(text).toBe(`${sse(lines.slice(0, 4))}event: error\ndata: ${error}\n\n`);
  });

  it('relays the last event of a stream that ended well without its blank line, closed by one', async () => {
    const whole = sse(lines);
    upstream.handle((_, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(whole.slice(0, -2));
    });
    // The gateway read the last event as whole (and charged for the answer), so the client's parser must too.
    expect(await (await post({ ...ask, stream: true })).text()).toBe(whole);
    const message = await new Anthropic({ apiKey: 'unused', baseURL: gateway.url, maxRetries: 0 }).messages
      .stream(ask)
      .finalMessage();
    expect(message.stop_reason).toBe('end_turn');
  });

  it('closes the upstream call when the client goes away', async () => {
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    upstream.handle((_, response) => {
      response.on('close', () => closed());
      // Never ends on its own: only the gateway hanging up closes it.
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      // Headers reach the client with the first content (before it, the gateway may still fall back).
      response.write(sse(lines.slice(0, 4)));
    });
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'unused', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ ...ask, stream: true }),
      signal: controller.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('event: message_start');
    controller.abort();
    await upstreamClosed;
  });
});
