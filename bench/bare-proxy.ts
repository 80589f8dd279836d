/**
 * The floor for Node: a bare `node:http` server that forwards the body to the upstream with an undici Pool
 * and pipes the answer back. No parsing, auth, limits or logging.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstream = new Pool(process.env.UPSTREAM_URL as string, { connections: 128, pipelining: 1 });

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (data: Buffer) => chunks.push(data));
  request.on('end', () => {
    upstream
      .request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: Buffer.concat(chunks),
      })
      .then(({ statusCode, headers, body }) => {
        response.writeHead(statusCode, { 'content-type': String(headers['content-type'] ?? 'application/json') });
        body.on('data', (data: Buffer) => response.write(data));
        body.on('end', () => response.end());
      })
      .catch((error: Error) => {
        response.writeHead(502);
        response.end(error.message);
      });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
});
