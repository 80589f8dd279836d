import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNdjson } from '../../provider-utils/ndjson-parser.js';
import { parseSse } from '../../provider-utils/sse-parser.js';
import { setMaxStreamLineLength } from '../../provider-utils/stream-limits.js';
import type { ChatStreamPart } from '../../spec/chat.js';
import { createOllama } from '../ollama/ollama-provider.js';
import { createOpenAICompatible } from './openai-compatible-provider.js';

const chunk = (body: Record<string, unknown>) =>
  `data: ${JSON.stringify({ id: 'c1', model: 'm', created: 1, ...body })}\n\n`;
const textChunk = chunk({ choices: [{ index: 0, delta: { content: 'Hel' } }] });

/** What each test path answers: [content type, body]. */
const answers: Record<string, [string, string]> = {
  '/cut/chat/completions': ['text/event-stream', textChunk],
  '/done/chat/completions': ['text/event-stream', `${textChunk}data: [DONE]\n\n`],
  '/finished/chat/completions': [
    'text/event-stream',
    `${textChunk}${chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}`,
  ],
  '/html/chat/completions': ['text/html', '<html><body>Bad gateway, try later</body></html>'],
  '/empty/chat/completions': ['text/event-stream', ''],
  '/json/chat/completions': ['application/json', '{"choices":[{"message":{"content":"hi"}}]}'],
  '/long/chat/completions': ['text/event-stream', `data: {"x":"${'a'.repeat(5000)}"}\n\n`],
  '/api/chat': ['application/x-ndjson', `{"model":"m","message":{"content":"${'a'.repeat(5000)}"}}\n`],
};

let server: Server;
let origin: string;
beforeAll(async () => {
  server = createServer((request, response) => {
    request.resume();
    const [type, body] = answers[request.url ?? ''] ?? ['text/plain', 'no such path'];
    response.writeHead(200, { 'content-type': type });
    response.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  setMaxStreamLineLength(16 * 1024 * 1024);
  server.close();
});

async function streamParts(path: string): Promise<ChatStreamPart[]> {
  const provider = createOpenAICompatible({ name: 'compat', baseURL: `${origin}${path}`, apiKey: 'k' });
  const result = await provider.chatModel('m').stream({ messages: [{ role: 'user', content: 'hi' }] });
  const parts: ChatStreamPart[] = [];
  for await (const part of result.parts) parts.push(part);
  return parts;
}

const lastError = (parts: ChatStreamPart[]) => {
  const last = parts.at(-1);
  return last?.type === 'error'
    ? { code: last.error.code, status: last.error.status, message: last.error.message }
    : last;
};

describe('OpenAI-compatible streams that fail are reported as failures', () => {
  it('a stream cut before finish_reason or [DONE] ends with an error part, not a made-up stop', async () => {
    const parts = await streamParts('/cut');
    expect(parts.some((part) => part.type === 'finish')).toBe(false);
    expect(lastError(parts)).toMatchInlineSnapshot(`
      {
        "code": "upstream_error",
        "message": "compat ended the stream without a finish_reason or [DONE]",
        "status": 502,
      }
    `);
  });

  it('[DONE] or a finish_reason is a proper ending', async () => {
    expect((await streamParts('/done')).some((part) => part.type === 'error')).toBe(false);
    expect((await streamParts('/finished')).at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
  });

  it('a 200 carrying HTML, nothing, or plain JSON is an error', async () => {
    expect(lastError(await streamParts('/html'))).toMatchInlineSnapshot(`
      {
        "code": "upstream_error",
        "message": "compat answered a stream request with text/html, not an event stream",
        "status": 502,
      }
    `);
    expect(lastError(await streamParts('/empty'))).toMatchInlineSnapshot(`
      {
        "code": "upstream_error",
        "message": "compat sent an empty event stream",
        "status": 502,
      }
    `);
    expect(lastError(await streamParts('/json'))).toMatchInlineSnapshot(`
      {
        "code": "upstream_error",
        "message": "compat answered a stream request with application/json, not an event stream",
        "status": 502,
      }
    `);
  });
});

describe('stream line-length cap', () => {
  it('SSE and NDJSON parsers fail with a typed error on a line over the cap', async () => {
    async function* body(): AsyncGenerator<string> {
      yield 'data: ';
      for (let index = 0; index < 10; index++) yield 'x'.repeat(1000);
      yield '\n\n';
    }
    const sse = async () => {
      for await (const _event of parseSse(body(), { provider: 'p', maxLineLength: 4096 }));
    };
    await expect(sse()).rejects.toMatchObject({ code: 'upstream_line_too_long', status: 502 });
    const ndjson = async () => {
      for await (const _line of parseNdjson(body(), 'p', { maxLineLength: 4096 }));
    };
    await expect(ndjson()).rejects.toMatchObject({ code: 'upstream_line_too_long', status: 502 });
    const fine = async () => {
      for await (const _event of parseSse(body(), { provider: 'p', maxLineLength: 20_000 }));
    };
    await expect(fine()).resolves.toBeUndefined();
  });

  it('the configured cap fails real OpenAI-compatible and Ollama streams', async () => {
    setMaxStreamLineLength(2048);
    expect(lastError(await streamParts('/long'))).toMatchObject({ code: 'upstream_line_too_long' });
    const ollama = createOllama({ baseURL: origin });
    const result = await ollama.chatModel('m').stream({ messages: [{ role: 'user', content: 'hi' }] });
    const parts: ChatStreamPart[] = [];
    for await (const part of result.parts) parts.push(part);
    expect(lastError(parts)).toMatchObject({ code: 'upstream_line_too_long' });
  });
});
