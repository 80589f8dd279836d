/**
 * What held up in issue 18's attack campaign must keep holding: every request-smuggling shape is refused
 * before a route serves it (never a second request read from the same bytes), and every spelling of a
 * private address in an image URL is refused without the gateway connecting to it.
 */
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultUpstream, startFaultUpstream } from '../../src/test-support/fault-upstream.js';
import { type Harness, startGateway } from '../e2e/gateway-harness.js';

let upstream: FaultUpstream;
let gateway: Harness;

beforeAll(async () => {
  upstream = await startFaultUpstream();
  // The default backend is Ollama, which takes images as base64: the gateway must fetch URL images itself.
  gateway = await startGateway({
    env: { OLLAMA_HOST: upstream.baseUrl('ok', 'ollama'), LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-door-')) },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** Sends raw bytes and collects everything until the server closes (or `undefined` if it keeps it open). */
function exchangeRaw(raw: string): Promise<string | undefined> {
  const port = Number(new URL(gateway.url).port);
  return new Promise((resolve) => {
    let received = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(raw));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => {});
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(undefined);
    }, 4000);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

const SMUGGLED = 'GET /v1/models/SMUGGLED HTTP/1.1\r\nHost: x\r\n\r\n';
const HEAD = 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n';

/** Classic desync shapes: each hides a second request whose visibility depends on which framing a hop trusts. */
const SMUGGLING_SHAPES: [string, string][] = [
  ['CL.TE', `${HEAD}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['TE.CL', `${HEAD}Transfer-Encoding: chunked\r\nContent-Length: 50\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['two Content-Lengths', `${HEAD}Content-Length: 2\r\nContent-Length: 40\r\n\r\n{}${SMUGGLED}`],
  ['a Content-Length list', `${HEAD}Content-Length: 2, 40\r\n\r\n{}${SMUGGLED}`],
  ['a signed Content-Length', `${HEAD}Content-Length: +2\r\n\r\n{}${SMUGGLED}`],
  ['chunked, identity', `${HEAD}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n${SMUGGLED}`],
  ['identity beside Content-Length', `${HEAD}Transfer-Encoding: identity\r\nContent-Length: 2\r\n\r\n{}${SMUGGLED}`],
  ['a space before the colon', `${HEAD}Transfer-Encoding : chunked\r\nContent-Length: 2\r\n\r\n{}${SMUGGLED}`],
  ['xchunked', `${HEAD}Transfer-Encoding: xchunked\r\nContent-Length: 2\r\n\r\n{}${SMUGGLED}`],
  ['an obs-fold', `${HEAD}Transfer-Encoding:\r\n chunked\r\nContent-Length: 2\r\n\r\n{}${SMUGGLED}`],
  [
    'two Transfer-Encodings',
    `${HEAD}Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  ],
  ['a tab-led Transfer-Encoding', `${HEAD}Transfer-Encoding:\tchunked\r\nContent-Length: 2\r\n\r\n{}${SMUGGLED}`],
  ['an overflowing chunk size', `${HEAD}Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\n${SMUGGLED}`],
  ['a 0x chunk size', `${HEAD}Transfer-Encoding: chunked\r\n\r\n0x2\r\n{}\r\n0\r\n\r\n${SMUGGLED}`],
  ['bare LF chunk lines', `${HEAD}Transfer-Encoding: chunked\r\n\r\n2\n{}\n0\n\n${SMUGGLED}`],
  ['a bare LF in a chunk extension', `${HEAD}Transfer-Encoding: chunked\r\n\r\n2;a=b\nc\r\n{}\r\n0\r\n\r\n${SMUGGLED}`],
  ['bare LF headers', 'POST /v1/chat/completions HTTP/1.1\nHost: x\nContent-Length: 2\n\n{}GET /x HTTP/1.1\n\n'],
  ['bare CR headers', `POST /v1/chat/completions HTTP/1.1\rHost: x\rContent-Length: 2\r\r{}${SMUGGLED}`],
  ['a NUL in a header', `${HEAD}X-A: a\u0000b\r\nContent-Length: 2\r\n\r\n{}${SMUGGLED}`],
  [
    'chunked HTTP/1.0',
    `POST /v1/chat/completions HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
  ],
  [
    'a Content-Length in the trailer',
    `${HEAD}Transfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 40\r\n\r\n${SMUGGLED}`,
  ],
];

describe('request smuggling shapes', () => {
  it.each(SMUGGLING_SHAPES)('%s is refused and the hidden request is never served', async (_name, raw) => {
    const received = await exchangeRaw(raw);
    // The server closes the connection: nothing after the refused request is read as a request.
    expect(received).toBeDefined();
    const statusLines = received?.match(/HTTP\/1\.[01] \d{3}/g) ?? [];
    expect(received).not.toContain('SMUGGLED');
    // Refused outright (a 400 in the error shape), or the connection dropped before any answer.
    expect(statusLines.length).toBeLessThanOrEqual(1);
    if (statusLines.length === 1) {
      expect(statusLines[0]).toBe('HTTP/1.1 400');
      const body = received?.slice((received?.indexOf('\r\n\r\n') ?? 0) + 4) ?? '';
      expect(JSON.parse(body)).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_request' } });
    }
  });

  it('an HTTP/1.1 request without Host is a 400 in the error shape, not a bare one, and the connection closes', async () => {
    const received = await exchangeRaw('POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}');
    const [head = '', body = ''] = (received ?? '').split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(head).toMatch(/connection: close/i);
    expect(JSON.parse(body)).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_request', param: 'host' },
    });
  });

  it.each([
    ['a chunk size that is not hex', `${HEAD}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`],
    ['a chunk longer than its size', `${HEAD}Transfer-Encoding: chunked\r\n\r\n1\r\n{}\r\n0\r\n\r\n`],
  ])('a request body with %s is a 400 in the error shape, and the connection closes', async (_name, raw) => {
    const received = await exchangeRaw(raw);
    const [head = '', body = ''] = (received ?? '').split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(head).toMatch(/connection: close/i);
    expect(JSON.parse(body)).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_request', message: 'Malformed HTTP request' },
    });
  });

  it('the gateway still serves after all of them', async () => {
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
  });
});

describe('SSRF spellings of a private address in an image URL', () => {
  const port = () => new URL(upstream.url).port;
  /** Spellings of 127.0.0.1 at the upstream's port: any fetch would show up as a request to it. */
  const LOOPBACK_SPELLINGS = [
    'http://127.0.0.1:PORT/x.png',
    'http://localhost:PORT/x.png',
    'http://LocalHost:PORT/x.png',
    'http://127.1:PORT/x.png',
    'http://0177.0.0.1:PORT/x.png',
    'http://0x7f.0.0.1:PORT/x.png',
    'http://0x7f000001:PORT/x.png',
    'http://2130706433:PORT/x.png',
    'http://017700000001:PORT/x.png',
    'http://127.0.0.1.:PORT/x.png',
    'http://%31%32%37.0.0.1:PORT/x.png',
    'http://１２７.０.０.１:PORT/x.png',
    'http://user:password@127.0.0.1:PORT/x.png',
    'HTTP://127.0.0.1:PORT/x.png',
    'http:127.0.0.1:PORT/x.png',
    'http:/\\127.0.0.1:PORT/x.png',
    'http://[::1]:PORT/x.png',
    'http://[::ffff:127.0.0.1]:PORT/x.png',
    'http://[::ffff:7f00:1]:PORT/x.png',
    'http://[0:0:0:0:0:ffff:7f00:1]:PORT/x.png',
    'http://[::127.0.0.1]:PORT/x.png',
    'http://[::ffff:0:7f00:1]:PORT/x.png',
    'http://[64:ff9b::7f00:1]:PORT/x.png',
    'http://[2002:7f00:1::]:PORT/x.png',
    'http://0.0.0.0:PORT/x.png',
    'http://0:PORT/x.png',
    'http://[::]:PORT/x.png',
  ];
  const ELSEWHERE = [
    'http://169.254.169.254/latest/meta-data',
    'http://0251.0376.0251.0376/latest/meta-data',
    'http://[::ffff:a9fe:a9fe]/latest/meta-data',
    'http://10.0.0.1/x.png',
    'http://172.16.0.1/x.png',
    'http://192.168.1.1/x.png',
    'http://100.64.0.1/x.png',
    'http://[fd00::1]/x.png',
    'http://[fe80::1]/x.png',
    'file:///etc/passwd',
    'gopher://127.0.0.1:PORT/x',
    'ftp://127.0.0.1:PORT/x',
  ];

  it('every spelling is a 400 unsafe_url, decided before any connection', async () => {
    const urls = [...LOOPBACK_SPELLINGS, ...ELSEWHERE].map((url) => url.replace('PORT', port()));
    const before = upstream.received.length;
    const answers = await Promise.all(
      urls.map(async (url) => {
        const started = Date.now();
        const response = await fetch(`${gateway.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'fault-model',
            messages: [
              {
                role: 'user',
                content: [
                  { type: 'text', text: 'what is this?' },
                  { type: 'image_url', image_url: { url } },
                ],
              },
            ],
          }),
        });
        const { error } = (await response.json()) as { error: { code: string } };
        return { url, status: response.status, code: error.code, quick: Date.now() - started < 1000 };
      }),
    );
    expect(answers).toEqual(urls.map((url) => ({ url, status: 400, code: 'unsafe_url', quick: true })));
    // Not the image fetch, not the chat call: nothing reached the loopback listener.
    expect(upstream.received.slice(before).filter((request) => !request.path.startsWith('/fault/'))).toEqual([]);
  });

  it('a name that does not resolve to a public address is refused too, and nothing is fetched', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'fault-model',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: `http://localhost.:${port()}/x` } }] },
        ],
      }),
    });
    // `localhost.` resolves to loopback on some machines (refused as private) and to nothing on others.
    expect(response.status).toBe(400);
    expect(upstream.received.filter((request) => request.path === '/x')).toEqual([]);
  });
});
