import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { addResponseHeaders, writeResponseHead } from './http-io.js';

/** The response's own symbol-keyed properties, by description: where the pending headers wait. */
function pendingHeaders(response: ServerResponse): unknown {
  const symbol = Object.getOwnPropertySymbols(response).find(
    (candidate) => candidate.description === 'llamagate.responseHeaders',
  );
  return symbol === undefined ? undefined : (response as unknown as Record<symbol, unknown>)[symbol];
}

describe('pending response headers', () => {
  it('go out with the head beside its own headers, and are let go once it is written', async () => {
    const seen: { before?: unknown; after?: unknown } = {};
    const server = createServer((_request, response) => {
      addResponseHeaders(response, 'x-request-id', 'request-1');
      addResponseHeaders(response, 'x-ratelimit-remaining-requests', '9', 'x-llamagate-cost', '0.000001');
      seen.before = structuredClone(pendingHeaders(response));
      writeResponseHead(response, 200, { 'cache-control': 'no-cache' }, 'text/event-stream');
      seen.after = pendingHeaders(response);
      response.end('data: [DONE]\n\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await response.text();
      expect(
        [...response.headers].filter(([name]) => name !== 'date' && name !== 'connection' && name !== 'keep-alive'),
      ).toMatchInlineSnapshot(`
        [
          [
            "cache-control",
            "no-cache",
          ],
          [
            "content-type",
            "text/event-stream",
          ],
          [
            "transfer-encoding",
            "chunked",
          ],
          [
            "x-llamagate-cost",
            "0.000001",
          ],
          [
            "x-ratelimit-remaining-requests",
            "9",
          ],
          [
            "x-request-id",
            "request-1",
          ],
        ]
      `);
      expect(seen.before).toMatchInlineSnapshot(`
        [
          "x-request-id",
          "request-1",
          "x-ratelimit-remaining-requests",
          "9",
          "x-llamagate-cost",
          "0.000001",
        ]
      `);
      expect(seen.after).toBeUndefined();
    } finally {
      server.close();
    }
  });
});
