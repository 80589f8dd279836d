import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatRequest, ChatStreamPart } from '../../spec/chat.js';
import { ProviderAPIError, RateLimitError } from '../../spec/errors.js';
import { collect, type MockUpstream, sendJson, startMockUpstream } from '../../test-support/mock-upstream.js';
import {
  bedrockReplay,
  encodeBedrockEventStream,
  readBedrockChunks,
  sendEventStream,
} from '../../test-support/replay-bedrock.js';
import { createBedrock } from './bedrock-provider.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const model = () =>
  createBedrock({
    baseURL: upstream.url,
    region: 'us-west-2',
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'secret',
    env: {},
  }).chatModel('anthropic.claude-3-5-sonnet-20240620-v1:0');

const replay = (baseName: string, chunkSize?: number) =>
  upstream.handle(async (_, res) => {
    const bytes = encodeBedrockEventStream(readBedrockChunks(fixtures, `${baseName}.chunks.txt`));
    await sendEventStream(res, bytes, chunkSize === undefined ? {} : { chunkSize });
  });

async function streamParts(request: Partial<ChatRequest> = {}): Promise<ChatStreamPart[]> {
  const result = await model().stream({ messages: [{ role: 'user', content: 'x' }], ...request });
  return collect(result.parts);
}

const textOf = (parts: ChatStreamPart[]) => parts.flatMap((p) => (p.type === 'text-delta' ? [p.delta] : [])).join('');
const reasoningOf = (parts: ChatStreamPart[]) =>
  parts.flatMap((p) => (p.type === 'reasoning-delta' ? [p.delta] : [])).join('');
const toolCalls = (parts: ChatStreamPart[]) => {
  const calls: Array<{ id?: string; name?: string; arguments: string }> = [];
  for (const part of parts) {
    if (part.type !== 'tool-call-delta') continue;
    const call = calls[part.toolCallIndex] ?? { arguments: '' };
    calls[part.toolCallIndex] = call;
    if (part.id !== undefined) call.id = part.id;
    if (part.name !== undefined) call.name = part.name;
    call.arguments += part.argumentsDelta;
  }
  return calls;
};

describe('bedrock chat: ConverseStream (recorded traffic as binary event-stream frames)', () => {
  it('posts to converse-stream and streams recorded text, then finish, then usage', async () => {
    upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-text'));
    const result = await model().stream({ messages: [{ role: 'user', content: 'x' }] });
    expect(result.response?.headers?.['content-type']).toBe('application/vnd.amazon.eventstream');
    const parts = await collect(result.parts);
    expect(upstream.requests[0]?.path).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream');
    expect(upstream.requests[0]?.headers.accept).toBe('application/vnd.amazon.eventstream');
    expect(parts[0]).toMatchObject({ type: 'response-metadata', id: 'replay-request-id' });
    expect(textOf(parts)).toBe(
      'Let me count the "r"s in "strawberry":\n\ns-t-**r**-a-w-b-e-**r**-**r**-y\n\nThere are **3** r\'s in "strawberry."',
    );
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choiceIndex: 0, finishReason: 'stop', rawFinishReason: 'end_turn' },
      { type: 'usage', usage: { promptTokens: 22, completionTokens: 55, totalTokens: 77 } },
    ]);
  });

  it('decodes the same stream sent one byte per TCP write', async () => {
    replay('amazon-bedrock-reasoning', 1);
    const oneByte = await streamParts();
    replay('amazon-bedrock-reasoning');
    const whole = await streamParts();
    expect(oneByte.slice(1)).toEqual(whole.slice(1));
    expect(oneByte.some((p) => p.type === 'error')).toBe(false);
    expect(reasoningOf(oneByte)).toBe(
      'Let me count the r\'s in "strawberry":\n\ns-t-r-a-w-b-e-r-r-y\n\nr appears at positions 3, 8, and 9.\n\nSo there are 3 r\'s.',
    );
    expect(textOf(oneByte)).toBe('There are **3** r\'s in "strawberry":\n\n1. st**r**awbe**r****r**y');
    const lastReasoning = oneByte.findLastIndex((p) => p.type === 'reasoning-delta');
    expect(lastReasoning).toBeLessThan(oneByte.findIndex((p) => p.type === 'text-delta'));
  });

  it('streams a recorded tool call with the Bedrock id; usage arriving before messageStop still ends last', async () => {
    replay('amazon-bedrock-tool-call.1', 7);
    const parts = await streamParts();
    expect(toolCalls(parts)).toEqual([{ id: 'tool-use-id', name: 'test-tool', arguments: '{"value":"Sparkle Day"}' }]);
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choiceIndex: 0, finishReason: 'tool_calls', rawFinishReason: 'tool_use' },
      { type: 'usage', usage: { promptTokens: 125, completionTokens: 45, totalTokens: 170 } },
    ]);
  });

  it('gives a streamed tool call without arguments "{}" as its arguments', async () => {
    replay('amazon-bedrock-tool-no-args');
    const parts = await streamParts();
    expect(textOf(parts)).toBe("I'll update the issue list for you.");
    expect(toolCalls(parts)).toEqual([{ id: 'tool-use-id', name: 'updateIssueList', arguments: '{}' }]);
  });

  it('numbers several streamed tool calls by call, not by content block', async () => {
    replay('amazon-bedrock-json-tool-text-then-weather-then-json.1');
    const parts = await streamParts();
    expect(textOf(parts)).toBe('2 + 2 equals 4. Now let me check the weather for you.');
    expect(toolCalls(parts)).toEqual([
      { id: 'weather-tool-1', name: 'weather', arguments: '{"location":"San Francisco"}' },
      { id: 'weather-tool-2', name: 'weather', arguments: '{"location":"London"}' },
    ]);
  });

  it('streams structured output as text: the JSON tool input only, finish "stop"', async () => {
    replay('amazon-bedrock-json-only-text-first.1');
    const parts = await streamParts({ responseFormat: { type: 'json_object' } });
    expect(textOf(parts)).toBe('{"name":"John"}');
    expect(parts.some((p) => p.type === 'tool-call-delta')).toBe(false);
    expect(parts.find((p) => p.type === 'finish')).toMatchObject({ finishReason: 'stop', rawFinishReason: 'tool_use' });
  });

  it('streams real tool calls next to the JSON answer', async () => {
    replay('amazon-bedrock-json-with-tool.1');
    const parts = await streamParts({
      responseFormat: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object' } } },
    });
    expect(textOf(parts)).toBe('{"result":"data"}');
    expect(toolCalls(parts)).toEqual([{ id: 'tool-1', name: 'get-weather', arguments: '{"location":"SF"}' }]);
    expect(parts.find((p) => p.type === 'finish')).toMatchObject({ finishReason: 'tool_calls' });
  });

  it('keeps the held-back text when structured output ends without the json tool', async () => {
    replay('amazon-bedrock-json-other-tool.1');
    const parts = await streamParts({ responseFormat: { type: 'json_object' } });
    expect(toolCalls(parts)).toEqual([
      { id: 'toolu_01PQjhxo3eirCdKNvCJrKc8f', name: 'get-weather', arguments: '{"location":"San Francisco"}' },
    ]);
    replay('amazon-bedrock-text');
    const text = await streamParts({ responseFormat: { type: 'json_object' } });
    expect(textOf(text)).toContain('There are **3**');
  });
});

describe('bedrock chat: stream failures', () => {
  it('turns a modelStreamErrorException frame into one final error part', async () => {
    replay('doc-amazon-bedrock-stream-exception', 3);
    const parts = await streamParts();
    expect(textOf(parts)).toBe('Let me think');
    expect(parts.filter((p) => p.type === 'error')).toHaveLength(1);
    const last = parts.at(-1);
    expect(last?.type).toBe('error');
    const error = last?.type === 'error' ? last.error : undefined;
    expect(ProviderAPIError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 502, isRetryable: true });
    expect(error?.message).toContain('Model Stream Error');
  });

  it('types a throttlingException frame as a RateLimitError part', async () => {
    replay('doc-amazon-bedrock-stream-throttling');
    const parts = await streamParts();
    const last = parts.at(-1);
    expect(last?.type === 'error' && RateLimitError.isInstance(last.error)).toBe(true);
  });

  it('rejects (so fallback can run) when ConverseStream answers HTTP 429', async () => {
    upstream.handle((_, res) =>
      sendJson(res, 429, { message: 'Too many requests' }, { 'x-amzn-errortype': 'ThrottlingException' }),
    );
    const failure = await model()
      .stream({ messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(RateLimitError.isInstance(failure)).toBe(true);
  });

  it('reports a connection lost inside a frame as an error part, not a hang', async () => {
    upstream.handle(async (_, res) => {
      const bytes = encodeBedrockEventStream(readBedrockChunks(fixtures, 'amazon-bedrock-text.chunks.txt'));
      await sendEventStream(res, bytes, { cutAfterBytes: 300, chunkSize: 50 });
    });
    const parts = await streamParts();
    expect(parts.at(-1)?.type).toBe('error');
  });

  it('delivers finish and usage before the error when the connection drops after messageStop', async () => {
    upstream.handle(async (_, res) => {
      const complete = encodeBedrockEventStream(readBedrockChunks(fixtures, 'amazon-bedrock-tool-call.1.chunks.txt'));
      const extra = encodeBedrockEventStream(['{"metadata":{"usage":{"inputTokens":1}}}']);
      await sendEventStream(res, Buffer.concat([complete, extra]), { cutAfterBytes: complete.byteLength + 10 });
    });
    const parts = await streamParts();
    expect(parts.slice(-3).map((part) => part.type)).toEqual(['finish', 'usage', 'error']);
  });

  it('reports a stream that ends cleanly without messageStop as an error part', async () => {
    upstream.handle(async (_, res) => {
      const lines = readBedrockChunks(fixtures, 'amazon-bedrock-text.chunks.txt').slice(0, 4);
      await sendEventStream(res, encodeBedrockEventStream(lines));
    });
    const parts = await streamParts();
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { message: expect.stringContaining('messageStop') } });
  });

  it('reports a frame with a bad CRC as an error part', async () => {
    upstream.handle(async (_, res) => {
      const bytes = encodeBedrockEventStream(readBedrockChunks(fixtures, 'amazon-bedrock-text.chunks.txt'));
      bytes[40] = (bytes[40] ?? 0) ^ 0xff;
      await sendEventStream(res, bytes);
    });
    const parts = await streamParts();
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { message: expect.stringContaining('malformed') } });
  });

  it('closes the upstream connection when the caller stops iterating', async () => {
    let closed: Promise<unknown[]> | undefined;
    upstream.handle(async (_, res) => {
      closed = once(res, 'close');
      const lines = readBedrockChunks(fixtures, 'amazon-bedrock-text.chunks.txt');
      res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
      res.write(encodeBedrockEventStream(lines.slice(0, 3)));
      // never ends: only the client's abort can close it
    });
    const result = await model().stream({ messages: [{ role: 'user', content: 'x' }] });
    for await (const part of result.parts) if (part.type === 'text-delta') break;
    await expect(closed).resolves.toBeDefined();
  });
});
