/**
 * What the HTTP server does with connections that misbehave (issue 18, items 1 and 18): a refused upload is not read
 * to its end, and parser-level rejections answer in the error shape.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { type Harness, startGateway } from './gateway-harness.js';

let ollama: MockUpstream;
let gateway: Harness;

beforeAll(async () => {
  ollama = await startMockUpstream();
  gateway = await startGateway({ env: { OLLAMA_HOST: ollama.url, MAX_BODY_SIZE: '64kb' } });
});
afterAll(async () => {
  await gateway.close();
  await ollama.close();
});

function open(): Promise<Socket> {
  const port = Number(new URL(gateway.url).port);
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sent until it closed the connection (or `undefined` if it is still open after `ms`). */
function readUntilClosed(socket: Socket, ms: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('utf8');
    });
    const timer = setTimeout(() => resolve(undefined), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

describe('connection limits', () => {
  it('a 413 on a chunked upload closes the connection instead of reading the rest', async () => {
    const socket = await open();
    socket.on('error', () => {});
    socket.write(
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    const chunk = 'x'.repeat(16 * 1024);
    const frame = `${chunk.length.toString(16)}\r\n${chunk}\r\n`;
    // Keeps uploading, as a client streaming 150 MB would, until the server closes on it.
    const pump = setInterval(() => {
      if (!socket.destroyed) socket.write(frame);
    }, 5);
    try {
      const received = await readUntilClosed(socket, 3000);
      expect(received).toBeDefined();
      expect(received?.split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
      expect(received).toMatch(/connection: close/i);
      expect(received).toContain('"type":"invalid_request_error"');
    } finally {
      clearInterval(pump);
      socket.destroy();
    }
  });

  it.each([
    ['a bad request line', 'GARBAGE\r\n\r\n', 400],
    [
      'Content-Length beside Transfer-Encoding (a smuggling shape)',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
    ],
    ['32 KB of headers', `GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(32 * 1024)}\r\n\r\n`, 431],
  ])('%s is answered in the error shape and the connection closes', async (_name, raw, status) => {
    const socket = await open();
    socket.on('error', () => {});
    socket.write(raw);
    const received = await readUntilClosed(socket, 3000);
    socket.destroy();
    expect(received).toBeDefined();
    const [head = '', body = ''] = (received ?? '').split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
    expect(head).toMatch(/connection: close/i);
    expect(JSON.parse(body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_request' } });
  });
});
