import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatStreamPart } from '../../spec/chat.js';
import { RateLimitError } from '../../spec/errors.js';
import {
  collect,
  type MockUpstream,
  readChunks,
  sendJson,
  sendStream,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { cohereReplay } from '../../test-support/replay-cohere.js';
import { createCohere } from './cohere-provider.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const model = () => createCohere({ baseURL: `${upstream.url}/v2`, apiKey: 'test-key' }).chatModel('command-a-03-2025');
const streamParts = async (content = 'x') =>
  collect((await model().stream({ messages: [{ role: 'user', content }] })).parts);
type ToolDelta = Extract<ChatStreamPart, { type: 'tool-call-delta' }>;
const toolDeltas = (parts: ChatStreamPart[]) => parts.filter((p): p is ToolDelta => p.type === 'tool-call-delta');
const joined = (parts: ChatStreamPart[], type: 'text-delta' | 'reasoning-delta') =>
  parts.flatMap((p) => (p.type === type ? [p.delta] : [])).join('');
const replayLines = (lines: string[], options: { cutAfter?: number } = {}) =>
  upstream.handle((_, res) => sendStream(res, lines, { format: 'sse', eventFromType: true, ...options }));

describe('cohere chat stream: recorded streams', () => {
  it('streams a recorded text answer as exact typed parts', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-text'));
    const stream = await model().stream({ messages: [{ role: 'user', content: 'Capital of France?' }], maxTokens: 20 });
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "max_tokens": 20,
        "messages": [
          {
            "content": "Capital of France?",
            "role": "user",
          },
        ],
        "model": "command-a-03-2025",
        "stream": true,
      }
    `);
    expect(upstream.requests[0]?.headers.accept).toBe('text/event-stream');
    const parts = await collect(stream.parts);
    const text = (delta: string): ChatStreamPart => ({ type: 'text-delta', choiceIndex: 0, delta });
    expect(parts).toEqual([
      {
        type: 'response-metadata',
        id: '321d178c-2c12-44d3-ae42-2f5510f6b1cc',
        model: 'command-a-03-2025',
        created: expect.any(Number),
      },
      ...['The', ' capital', ' of', ' France', ' is', ' Paris', '.'].map(text),
      { type: 'finish', choiceIndex: 0, finishReason: 'stop', rawFinishReason: 'COMPLETE' },
      { type: 'usage', usage: { promptTokens: 507, completionTokens: 10, totalTokens: 517, cachedTokens: 448 } },
    ]);
  });

  it('streams recorded parallel tool calls by Cohere index, id and name first, plan as reasoning', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-tool-call'));
    const parts = await streamParts('Weather and attractions in San Francisco?');
    expect(joined(parts, 'reasoning-delta')).toBe(
      'I will use the weather tool to find the weather in San Francisco and the cityAttractions tool to find attractions in San Francisco.',
    );
    const calls = toolDeltas(parts);
    expect(calls.filter((p) => p.id !== undefined)).toEqual([
      {
        type: 'tool-call-delta',
        choiceIndex: 0,
        toolCallIndex: 0,
        id: 'weather_e8p4pn45zt0t',
        name: 'weather',
        argumentsDelta: '',
      },
      {
        type: 'tool-call-delta',
        choiceIndex: 0,
        toolCallIndex: 1,
        id: 'cityAttractions_pyxssbwnq9fq',
        name: 'cityAttractions',
        argumentsDelta: '',
      },
    ]);
    const args = (index: number) =>
      calls
        .filter((p) => p.toolCallIndex === index)
        .map((p) => p.argumentsDelta)
        .join('');
    expect(args(0)).toBe('{"location": "San Francisco"}');
    expect(args(1)).toBe('{"city": "San Francisco"}');
    // Streamed, not buffered: one part per recorded argument delta.
    expect(calls).toHaveLength(2 + 7 + 7);
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choiceIndex: 0, finishReason: 'tool_calls', rawFinishReason: 'TOOL_CALL' },
      { type: 'usage', usage: { promptTokens: 1549, completionTokens: 95, totalTokens: 1644, cachedTokens: 1504 } },
    ]);
    expect(parts.findLastIndex((p) => p.type === 'reasoning-delta')).toBeLessThan(
      parts.findIndex((p) => p.type === 'tool-call-delta'),
    );
  });

  it('completes a recorded tool call without arguments as {}', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-empty-tool-call'));
    const parts = await streamParts('What time is it?');
    expect(toolDeltas(parts)).toEqual([
      {
        type: 'tool-call-delta',
        choiceIndex: 0,
        toolCallIndex: 0,
        id: 'currentTime_y46ar19t5gvw',
        name: 'currentTime',
        argumentsDelta: '',
      },
      { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: 0, argumentsDelta: '{}' },
    ]);
    expect(parts.at(-2)).toMatchObject({ type: 'finish', finishReason: 'tool_calls' });
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { promptTokens: 1445, completionTokens: 43, totalTokens: 1488, cachedTokens: 704 },
    });
  });

  it('streams recorded thinking as reasoning deltas before the text', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-reasoning'));
    const parts = await streamParts('What is 2 + 2?');
    expect(joined(parts, 'reasoning-delta')).toMatch(/^The user is asking for the sum of 2 and 2\. /);
    expect(joined(parts, 'text-delta')).toBe('The answer to 2 + 2 is 4.');
    expect(parts.findLastIndex((p) => p.type === 'reasoning-delta')).toBeLessThan(
      parts.findIndex((p) => p.type === 'text-delta'),
    );
    expect(parts.at(-2)).toEqual({ type: 'finish', choiceIndex: 0, finishReason: 'stop', rawFinishReason: 'COMPLETE' });
  });

  it('holds back streamed "null" arguments and sends {} instead', async () => {
    replayLines([
      '{"type":"message-start","id":"m1","delta":{"message":{"role":"assistant","content":[],"tool_calls":[]}}}',
      '{"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"t1","type":"function","function":{"name":"now","arguments":"nu"}}}}}',
      '{"type":"tool-call-delta","index":0,"delta":{"message":{"tool_calls":{"function":{"arguments":"ll"}}}}}',
      '{"type":"tool-call-end","index":0}',
      '{"type":"message-end","delta":{"finish_reason":"TOOL_CALL"}}',
    ]);
    const parts = await streamParts();
    expect(toolDeltas(parts).map((p) => p.argumentsDelta)).toEqual(['', '{}']);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool_calls' });
  });
});

describe('cohere chat stream: failures', () => {
  it('rejects stream() itself on an HTTP error, so fallback can happen', async () => {
    upstream.handle((_, res) => sendJson(res, 429, { message: 'You are using a Trial key, which is limited' }));
    const failure = await model()
      .stream({ messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(RateLimitError.isInstance(failure)).toBe(true);
  });

  it('ends with an error part when the connection is cut mid-stream', async () => {
    replayLines(readChunks('cohere', 'cohere-text.chunks.txt'), { cutAfter: 4 });
    const parts = await streamParts();
    expect(parts.filter((p) => p.type === 'text-delta').length).toBeGreaterThan(0);
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
    expect(parts.at(-1)?.type).toBe('error');
  });

  it('ends with an error part when the stream closes cleanly without message-end', async () => {
    replayLines(readChunks('cohere', 'cohere-text.chunks.txt').slice(0, -1));
    const parts = await streamParts();
    expect(parts.at(-1)).toMatchObject({
      type: 'error',
      error: { code: 'upstream_error', message: expect.stringContaining('before message-end') },
    });
  });

  it('reports an ERROR finish with usage, then an error part carrying Cohere message', async () => {
    replayLines([
      '{"type":"message-start","id":"m1","delta":{"message":{"role":"assistant","content":[]}}}',
      '{"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Par"}}}}',
      '{"type":"message-end","delta":{"finish_reason":"ERROR","error":"internal model failure","usage":{"tokens":{"input_tokens":5,"output_tokens":1}}}}',
    ]);
    const parts = await streamParts();
    expect(parts.slice(-3)).toEqual([
      { type: 'finish', choiceIndex: 0, finishReason: 'error', rawFinishReason: 'ERROR' },
      { type: 'usage', usage: { promptTokens: 5, completionTokens: 1, totalTokens: 6 } },
      { type: 'error', error: expect.objectContaining({ message: 'cohere stream error: internal model failure' }) },
    ]);
  });

  it('reports an error payload sent after HTTP 200 as the final part', async () => {
    upstream.handle(async (_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        'event: content-delta\ndata: {"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"Hi"}}}}\n\n',
      );
      res.end('data: {"message":"stream timed out"}\n\n');
    });
    const parts = await streamParts();
    expect(parts[0]).toEqual({ type: 'text-delta', choiceIndex: 0, delta: 'Hi' });
    expect(parts.at(-1)).toMatchObject({
      type: 'error',
      error: { message: expect.stringContaining('stream timed out') },
    });
    expect(parts).toHaveLength(2);
  });

  it('reports a payload that is not JSON as the final part', async () => {
    upstream.handle(async (_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('event: content-delta\ndata: <html>oops</html>\n\n');
    });
    const parts = await streamParts();
    expect(parts).toEqual([
      { type: 'error', error: expect.objectContaining({ message: expect.stringContaining('not JSON') }) },
    ]);
  });

  it('aborts the upstream request when the caller stops iterating', async () => {
    let closed!: (finished: boolean) => void;
    const connectionClosed = new Promise<boolean>((resolve) => {
      closed = resolve;
    });
    upstream.handle(async (_, res) => {
      res.on('close', () => closed(res.writableEnded));
      await sendStream(res, readChunks('cohere', 'cohere-reasoning.chunks.txt'), {
        format: 'sse',
        eventFromType: true,
        delayMs: 20,
      }).catch(() => undefined);
    });
    const stream = await model().stream({ messages: [{ role: 'user', content: 'x' }] });
    for await (const part of stream.parts) {
      if (part.type === 'reasoning-delta') break;
    }
    // The server saw the connection close before it could finish writing the recorded stream.
    expect(await connectionClosed).toBe(false);
  });
});
