import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatStreamPart } from '../../spec/chat.js';
import { ModelNotFoundError, ProviderAPIError } from '../../spec/errors.js';
import {
  collect,
  type MockUpstream,
  readChunks,
  readFixture,
  sendJson,
  sendStream,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { ollamaReplay } from '../../test-support/replay-ollama.js';
import { createOllama } from './ollama-provider.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const provider = () => createOllama({ baseURL: upstream.url, env: {} });
const bodyOf = (index = 0) => upstream.requests[index]?.body as Record<string, unknown>;
type ToolDelta = Extract<ChatStreamPart, { type: 'tool-call-delta' }>;
const toolDeltas = (parts: ChatStreamPart[]) => parts.filter((p): p is ToolDelta => p.type === 'tool-call-delta');

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get_weather',
    description: 'Get the weather in a given city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', description: 'The city to get the weather for' } },
      required: ['city'],
    },
  },
};

describe('ollama chat, non-streaming (documented /api/chat examples)', () => {
  it('maps every sampling setting into options (temperature 0 kept) and json_schema into format', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-structured'));
    const result = await provider()
      .chatModel('llama3.1')
      .generate({
        messages: [
          { role: 'developer', content: 'Answer in JSON.' },
          {
            role: 'user',
            content:
              'Ollama is 22 years old and busy saving the world. Return a JSON object with the age and availability.',
          },
        ],
        maxTokens: 64,
        temperature: 0,
        topP: 0.9,
        stop: ['\n\n'],
        seed: 101,
        frequencyPenalty: 0.5,
        presencePenalty: 0,
        responseFormat: {
          type: 'json_schema',
          json_schema: {
            name: 'person',
            schema: {
              type: 'object',
              properties: { age: { type: 'integer' }, available: { type: 'boolean' } },
              required: ['age', 'available'],
            },
          },
        },
        providerOptions: { ollama: { keep_alive: '10m', options: { num_ctx: 8192, top_k: 20 } } },
      });
    expect(upstream.requests[0]?.path).toBe('/api/chat');
    expect(upstream.requests[0]?.headers.authorization).toBeUndefined();
    expect(bodyOf()).toMatchInlineSnapshot(`
      {
        "format": {
          "properties": {
            "age": {
              "type": "integer",
            },
            "available": {
              "type": "boolean",
            },
          },
          "required": [
            "age",
            "available",
          ],
          "type": "object",
        },
        "keep_alive": "10m",
        "messages": [
          {
            "content": "Answer in JSON.",
            "role": "system",
          },
          {
            "content": "Ollama is 22 years old and busy saving the world. Return a JSON object with the age and availability.",
            "role": "user",
          },
        ],
        "model": "llama3.1",
        "options": {
          "frequency_penalty": 0.5,
          "num_ctx": 8192,
          "num_predict": 64,
          "presence_penalty": 0,
          "seed": 101,
          "stop": [
            "

      ",
          ],
          "temperature": 0,
          "top_k": 20,
          "top_p": 0.9,
        },
        "stream": false,
      }
    `);
    expect(result).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-/),
      created: Math.floor(Date.parse('2024-12-06T00:46:58.265747Z') / 1000),
      model: 'llama3.1',
      provider: 'ollama',
      warnings: [],
      usage: { promptTokens: 34, completionTokens: 12, totalTokens: 46 },
    });
    expect(result.choices).toEqual([
      {
        index: 0,
        message: { role: 'assistant', content: '{"age": 22, "available": false}' },
        finishReason: 'stop',
        rawFinishReason: 'stop',
      },
    ]);
  });

  it('sends json_object as format "json"', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-structured'));
    await provider()
      .chatModel('llama3.2')
      .generate({ messages: [{ role: 'user', content: 'x' }], responseFormat: { type: 'json_object' } });
    expect(bodyOf().format).toBe('json');
  });

  it('sends tool history exactly like the documented "with history, with tools" request', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-history-tools'));
    const result = await provider()
      .chatModel('llama3.2')
      .generate({
        messages: [
          { role: 'user', content: 'what is the weather in Toronto?' },
          {
            role: 'assistant',
            content: '',
            tool_calls: [
              { id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Toronto"}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_abc', content: '11 degrees celsius' },
        ],
        tools: [weatherTool],
      });
    expect(bodyOf()).toEqual(readFixture('ollama', 'doc-history-tools.request.json'));
    expect(result.choices[0]?.message.content).toBe('The current temperature in Toronto is 11°C.');
  });

  it('translates a tool-call answer: object arguments to JSON text, a generated call id, finish tool_calls', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-tool-call'));
    const result = await provider()
      .chatModel('llama3.2')
      .generate({ messages: [{ role: 'user', content: 'what is the weather in tokyo?' }], tools: [weatherTool] });
    const choice = result.choices[0];
    expect(choice?.finishReason).toBe('tool_calls');
    expect(choice?.rawFinishReason).toBe('stop');
    expect(choice?.message.content).toBeNull();
    expect(choice?.message.toolCalls).toEqual([
      {
        id: expect.stringMatching(/^call_[0-9A-Za-z]{24}$/),
        type: 'function',
        function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' },
      },
    ]);
    expect(result.usage).toEqual({ promptTokens: 169, completionTokens: 18, totalTokens: 187 });
  });

  it('reads message.thinking as reasoning and asks for thinking when reasoningEffort is set', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-thinking'));
    const result = await provider()
      .chatModel('qwen3')
      .generate({
        messages: [{ role: 'user', content: 'How many letter r are in strawberry?' }],
        reasoningEffort: 'low',
      });
    expect(bodyOf().think).toBe(true);
    expect(result.choices[0]?.message).toEqual({
      role: 'assistant',
      content: 'There are 3 letter r in strawberry.',
      reasoningContent: 'Spell it out: s-t-r-a-w-b-e-r-r-y. The r appears at positions 3, 8 and 9.',
    });

    await provider()
      .chatModel('gpt-oss:20b')
      .generate({ messages: [{ role: 'user', content: 'x' }], reasoningEffort: 'high' });
    expect(bodyOf(1).think).toBe('high');
    await provider()
      .chatModel('qwen3')
      .generate({
        messages: [{ role: 'user', content: 'x' }],
        reasoningEffort: 'high',
        providerOptions: { ollama: { think: false } },
      });
    expect(bodyOf(2).think).toBe(false);
  });

  it('replays earlier reasoning as the assistant message thinking', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-chat'));
    await provider()
      .chatModel('qwen3')
      .generate({
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b', reasoning_content: 'because' },
          { role: 'user', content: [{ type: 'text', text: 'c' }] },
        ],
      });
    expect(bodyOf().messages).toEqual([
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b', thinking: 'because' },
      { role: 'user', content: 'c' },
    ]);
  });

  it('leaves usage undefined when Ollama reports no counts, and keeps an unknown done_reason raw', async () => {
    // docs/api.md "Load a model" (empty messages): no token counts, done_reason "load".
    upstream.handle((_, res) =>
      sendJson(res, 200, {
        model: 'llama3.2',
        created_at: '2024-09-12T21:17:29.110811Z',
        message: { role: 'assistant', content: '' },
        done_reason: 'load',
        done: true,
      }),
    );
    const result = await provider().chatModel('llama3.2').generate({ messages: [] });
    expect(result.usage).toEqual({});
    expect(result.choices[0]).toMatchObject({ finishReason: 'other', rawFinishReason: 'load' });
  });

  it('maps a 404 "model not found" to a ModelNotFoundError without retrying', async () => {
    upstream.handle((_, res) => sendJson(res, 404, readFixture('ollama', 'doc-model-not-found.json')));
    const failure = await provider()
      .chatModel('nonexistent')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(ModelNotFoundError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({
      status: 404,
      code: 'model_not_found',
      isRetryable: false,
      provider: 'ollama',
      model: 'nonexistent',
      message: "ollama error (404): model 'nonexistent' not found",
    });
    const streamFailure = await provider()
      .chatModel('nonexistent')
      .stream({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(ModelNotFoundError.isInstance(streamFailure)).toBe(true);
  });
});

describe('ollama chat, streaming (NDJSON)', () => {
  it('streams the documented text stream as typed parts, usage last', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-chat'));
    const stream = await provider()
      .chatModel('llama3.2')
      .stream({ messages: [{ role: 'user', content: 'why is the sky blue?' }] });
    expect(stream.response?.headers?.['content-type']).toBe('application/x-ndjson');
    const parts = await collect(stream.parts);
    expect(bodyOf().stream).toBe(true);
    expect(upstream.requests[0]?.headers.accept).toBe('application/x-ndjson');
    expect(parts).toEqual([
      {
        type: 'response-metadata',
        id: expect.stringMatching(/^chatcmpl-/),
        model: 'llama3.2',
        created: Math.floor(Date.parse('2023-08-04T08:52:19.385406455-07:00') / 1000),
      },
      { type: 'text-delta', choiceIndex: 0, delta: 'The' },
      { type: 'finish', choiceIndex: 0, finishReason: 'stop' },
      { type: 'usage', usage: { promptTokens: 26, completionTokens: 282, totalTokens: 308 } },
    ]);
  });

  it('emits each whole tool call as one delta with id, name and full arguments', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-tool-call'));
    const stream = await provider()
      .chatModel('llama3.2')
      .stream({ messages: [{ role: 'user', content: 'what is the weather in tokyo?' }], tools: [weatherTool] });
    const parts = await collect(stream.parts);
    expect(toolDeltas(parts)).toEqual([
      {
        type: 'tool-call-delta',
        choiceIndex: 0,
        toolCallIndex: 0,
        id: expect.stringMatching(/^call_/),
        name: 'get_weather',
        argumentsDelta: '{"city":"Tokyo"}',
      },
    ]);
    expect(parts.at(-2)).toEqual({
      type: 'finish',
      choiceIndex: 0,
      finishReason: 'tool_calls',
      rawFinishReason: 'stop',
    });
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { promptTokens: 169, completionTokens: 15, totalTokens: 184 },
    });
  });

  it('numbers tool calls across lines and gives each its own id', async () => {
    const [first, final] = readChunks('ollama', 'doc-tool-call.chunks.txt');
    const second = (first ?? '').replace('Tokyo', 'Paris');
    const both = (first ?? '').replace(
      '"tool_calls":[',
      '"tool_calls":[{"function":{"name":"get_time","arguments":{}}},',
    );
    upstream.handle((_, res) => sendStream(res, [first ?? '', second, both, final ?? ''], { format: 'ndjson' }));
    const stream = await provider()
      .chatModel('llama3.2')
      .stream({ messages: [{ role: 'user', content: 'x' }] });
    const deltas = toolDeltas(await collect(stream.parts));
    expect(deltas.map((d) => [d.toolCallIndex, d.name, d.argumentsDelta])).toEqual([
      [0, 'get_weather', '{"city":"Tokyo"}'],
      [1, 'get_weather', '{"city":"Paris"}'],
      [2, 'get_time', '{}'],
      [3, 'get_weather', '{"city":"Tokyo"}'],
    ]);
    expect(new Set(deltas.map((d) => d.id)).size).toBe(4);
  });

  it('streams thinking as reasoning deltas before the text', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-thinking'));
    const stream = await provider()
      .chatModel('qwen3')
      .stream({ messages: [{ role: 'user', content: 'x' }] });
    const parts = await collect(stream.parts);
    expect(parts.slice(1, 5)).toEqual([
      { type: 'reasoning-delta', choiceIndex: 0, delta: 'Spell it out: ' },
      { type: 'reasoning-delta', choiceIndex: 0, delta: 's-t-r-a-w-b-e-r-r-y.' },
      { type: 'text-delta', choiceIndex: 0, delta: 'There are 3' },
      { type: 'text-delta', choiceIndex: 0, delta: ' letter r.' },
    ]);
    expect(parts.at(-2)).toEqual({ type: 'finish', choiceIndex: 0, finishReason: 'stop', rawFinishReason: 'stop' });
  });

  it('turns an {"error"} line after HTTP 200 into one final error part', async () => {
    upstream.handle((_, res) =>
      sendStream(res, readChunks('ollama', 'doc-stream-error.chunks.txt'), { format: 'ndjson' }),
    );
    const stream = await provider()
      .chatModel('llama3.2')
      .stream({ messages: [{ role: 'user', content: 'x' }] });
    const parts = await collect(stream.parts);
    expect(parts.map((p) => p.type)).toEqual(['response-metadata', 'text-delta', 'error']);
    const last = parts.at(-1);
    expect(last?.type === 'error' && last.error).toMatchObject({
      status: 500,
      isRetryable: true,
      provider: 'ollama',
      message: expect.stringContaining('unexpected EOF'),
    });
  });

  it('reports a cut connection, and a stream that ends without done, as an error part', async () => {
    upstream.handle((_, res) =>
      sendStream(res, readChunks('ollama', 'doc-thinking.chunks.txt'), { format: 'ndjson', cutAfter: 2 }),
    );
    const cut = await collect(
      (
        await provider()
          .chatModel('qwen3')
          .stream({ messages: [{ role: 'user', content: 'x' }] })
      ).parts,
    );
    expect(cut.filter((p) => p.type === 'reasoning-delta')).toHaveLength(2);
    expect(cut.at(-1)?.type).toBe('error');

    const lines = readChunks('ollama', 'doc-thinking.chunks.txt').slice(0, 3);
    upstream.handle((_, res) => sendStream(res, lines, { format: 'ndjson' }));
    const ended = await collect(
      (
        await provider()
          .chatModel('qwen3')
          .stream({ messages: [{ role: 'user', content: 'x' }] })
      ).parts,
    );
    const last = ended.at(-1);
    expect(last?.type).toBe('error');
    expect(last?.type === 'error' && ProviderAPIError.isInstance(last.error)).toBe(true);
  });

  it('aborts the upstream request when the consumer stops iterating', async () => {
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    const [first] = readChunks('ollama', 'doc-chat.chunks.txt');
    upstream.handle((_, res) => {
      res.on('close', closed);
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(`${first}\n`);
      // Never ends on its own: only the client going away finishes this response.
    });
    const stream = await provider()
      .chatModel('llama3.2')
      .stream({ messages: [{ role: 'user', content: 'x' }] });
    for await (const part of stream.parts) {
      if (part.type === 'text-delta') break;
    }
    await upstreamClosed;
  });
});
