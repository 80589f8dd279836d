/**
 * Idle and stalled connections are closed, a long streamed answer is not, and one address may hold only so many
 * connections (issue 18, item 1). Short limits here; the defaults are in the README.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith, writeGatewayConfig } from './billing-harness.js';
import { type Harness, startGateway } from './gateway-harness.js';

let upstream: MockUpstream;
let gateway: Harness;

beforeAll(async () => {
  // 12 words 250 ms apart: a 3 s stream, longer than every limit below.
  upstream = await startMockUpstream(
    answerWith({ words: Array.from({ length: 12 }, (_, i) => `w${i} `), delayMs: 250 }),
  );
  gateway = await startGateway({
    env: {
      REQUEST_TIMEOUT: '1s',
      HEADERS_TIMEOUT: '1s',
      IDLE_TIMEOUT: '1s',
      KEEP_ALIVE_TIMEOUT: '1s',
      MAX_CONNECTIONS_PER_IP: '4',
      CACHE_ENABLED: 'false',
    },
    configFile: writeGatewayConfig(upstream.url),
  });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

function open(): Promise<Socket> {
  const port = Number(new URL(gateway.url).port);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** What the server sent before closing, with how long it took; `undefined` if still open after `ms`. */
function closed(socket: Socket, ms: number): Promise<{ received: string; afterMs: number } | undefined> {
  const started = Date.now();
  return new Promise((resolve) => {
    let received = '';
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
    });
    const timer = setTimeout(() => resolve(undefined), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ received, afterMs: Date.now() - started });
    });
  });
}

describe('connection timeouts and caps', () => {
  it('a connection that sends nothing is closed', async () => {
    const socket = await open();
    const result = await closed(socket, 5000);
    socket.destroy();
    expect(result).toBeDefined();
    expect(result?.afterMs).toBeLessThan(4000);
  });

  it('a body that stalls gets 408 and the connection closes', async () => {
    const socket = await open();
    socket.write(
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"mod',
    );
    const result = await closed(socket, 5000);
    socket.destroy();
    expect(result).toBeDefined();
    expect(result?.received.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(result?.received).toContain('"type":"invalid_request_error"');
  });

  it('a streamed answer longer than every limit arrives whole', async () => {
    const started = Date.now();
    const stream = await gateway
      .client('unused')
      .chat.completions.create({ model: 'mock-1', stream: true, messages: [{ role: 'user', content: 'long' }] });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(Date.now() - started).toBeGreaterThan(2500);
    expect(text).toBe(Array.from({ length: 12 }, (_, i) => `w${i} `).join(''));
  });

  it('past MAX_CONNECTIONS_PER_IP, further connections from the address are closed and it is logged', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => open()));
    const extra = await open();
    const result = await closed(extra, 2000);
    for (const socket of held) socket.destroy();
    expect(result).toBeDefined();
    expect(result?.afterMs).toBeLessThan(500);
    expect(gateway.logs.some((line) => line.msg === 'connection refused: too many connections from this address')).toBe(
      true,
    );
  });
});
