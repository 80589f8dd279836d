/**
 * A small MCP server for fault tests, built on the 2.x server SDK (it speaks both the 2025-11-25 session
 * protocol and the stateless 2026-07-28 one). `node fault-server.mjs stdio|http|never-start` (plain JavaScript: tests start it often and
 * a TypeScript loader would add seconds to every start on a busy machine).
 * Over HTTP it listens on 127.0.0.1, port 0, and prints `listening <port>` on stdout.
 */
import { createServer } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const mode = process.argv[2] ?? 'stdio';
if (mode === 'never-start') {
  process.stderr.write('fault-server: refusing to start (never-start mode)\n');
  process.exit(3);
}

let addedTools = 0;

/** @param {Headers | undefined} headers */
function build(headers) {
  const server = new McpServer(
    { name: 'fault-server', version: '1.0.0' },
    { capabilities: { tools: { listChanged: true } } },
  );
  server.registerTool(
    'echo',
    { description: 'Echoes text', inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({
      content: [{ type: 'text', text }],
    }),
  );
  server.registerTool(
    'slow',
    { description: 'Answers after ms milliseconds', inputSchema: z.object({ ms: z.number() }) },
    async ({ ms }) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { content: [{ type: 'text', text: `slept ${ms}ms` }] };
    },
  );
  server.registerTool(
    'huge',
    { description: 'Returns a result of the given size', inputSchema: z.object({ bytes: z.number() }) },
    async ({ bytes }) => ({ content: [{ type: 'text', text: 'é'.repeat(Math.floor(bytes / 2)) }] }),
  );
  server.registerTool('fail', { description: 'Reports a tool-level error' }, async () => ({
    isError: true,
    content: [{ type: 'text', text: 'the disk is on fire' }],
  }));
  server.registerTool('crash', { description: 'Exits the process mid-call' }, async () => {
    setTimeout(() => process.exit(1), 10);
    return new Promise(() => undefined);
  });
  server.registerTool('whoami', { description: 'Returns the request id it received' }, async (context) => ({
    content: [
      {
        type: 'text',
        text: JSON.stringify({
          meta: context.mcpReq._meta?.['io.llamagate/request-id'] ?? null,
          header: headers?.get('x-request-id') ?? null,
        }),
      },
    ],
  }));
  server.registerTool('add-tool', { description: 'Adds a tool and announces list_changed' }, async () => {
    addedTools += 1;
    server.registerTool(`added-${addedTools}`, { description: 'Added at run time' }, async () => ({
      content: [{ type: 'text', text: 'I was added' }],
    }));
    return { content: [{ type: 'text', text: `added added-${addedTools}` }] };
  });
  for (let index = 1; index <= addedTools; index += 1) {
    server.registerTool(`added-${index}`, { description: 'Added at run time' }, async () => ({
      content: [{ type: 'text', text: 'I was added' }],
    }));
  }
  server.registerResource('notes', 'fault://notes', { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, text: 'The secret word is pineapple.' }],
  }));
  server.registerResource('big', 'fault://big', { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, text: 'b'.repeat(200_000) }],
  }));
  server.registerPrompt(
    'greet',
    { description: 'Greets someone', argsSchema: z.object({ name: z.string() }) },
    ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Say hello to ${name}` } }] }),
  );
  return server;
}

if (mode === 'http') {
  const handler = createMcpHandler((context) => build(context.requestInfo?.headers));
  const node = toNodeHandler(handler);
  const http = createServer((request, response) => void node(request, response));
  http.listen(0, '127.0.0.1', () => {
    const address = http.address();
    process.stdout.write(`listening ${typeof address === 'object' && address !== null ? address.port : 0}\n`);
  });
} else {
  serveStdio(() => build());
}
