import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage, ChatStreamPart } from '../../spec/chat.js';
import { AuthenticationError, BadRequestError, EmbeddingsNotSupportedError } from '../../spec/errors.js';
import {
  collect,
  type MockUpstream,
  readChunks,
  readFixture,
  sendJson,
  sendStream,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { createDeepSeek } from './deepseek-provider.js';
import { deepseekDefinition } from './index.js';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const deepseek = () => createDeepSeek({ baseURL: `${upstream.url}/v1`, env: { DEEPSEEK_API_KEY: 'sk-test' } });
const replayJson = (name: string) => upstream.handle((_, res) => sendJson(res, 200, readFixture('deepseek', name)));
const replayStream = (name: string) =>
  upstream.handle((_, res) => sendStream(res, readChunks('deepseek', name), { format: 'sse', done: true }));
const sentBody = () => upstream.requests[0]?.body as Record<string, unknown>;
const joined = (parts: ChatStreamPart[], type: 'text-delta' | 'reasoning-delta') =>
  parts.flatMap((p) => (p.type === type ? [p.delta] : [])).join('');

describe('deepseek chat (recorded traffic)', () => {
  it('sends deepseek-chat settings as given and translates a recorded text response', async () => {
    replayJson('deepseek-text.json');
    const result = await deepseek()
      .chatModel('deepseek-chat')
      .generate({ messages: [{ role: 'user', content: 'Invent a holiday.' }], maxTokens: 300, temperature: 1.3 });
    expect(upstream.requests[0]?.path).toBe('/v1/chat/completions');
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer sk-test');
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "max_tokens": 300,
        "messages": [
          {
            "content": "Invent a holiday.",
            "role": "user",
          },
        ],
        "model": "deepseek-chat",
        "temperature": 1.3,
      }
    `);
    expect(result.warnings).toEqual([]);
    expect(result.choices[0]).toMatchObject({ finishReason: 'length', rawFinishReason: 'length' });
    expect(result.choices[0]?.message.content).toMatch(/^## \*\*Holiday Name: Gratitude of Small Things Day/);
    expect(result.usage).toEqual({ promptTokens: 13, completionTokens: 300, totalTokens: 313, cachedTokens: 0 });
  });

  it('drops what deepseek-reasoner ignores or rejects, and strips reasoning only from turns without tool calls', async () => {
    replayJson('deepseek-reasoning.json');
    const messages: ChatMessage[] = [
      { role: 'developer', content: 'Think carefully.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!', reasoning_content: 'A greeting.' },
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: '',
        reasoning_content: 'Call the weather tool.',
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"location":"Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
      { role: 'assistant', content: 'It is 21°C.', reasoning_content: 'Report the result.' },
      { role: 'user', content: "How many r's are in strawberry?" },
    ];
    const result = await deepseek().chatModel('deepseek-reasoner').generate({
      messages,
      temperature: 0.2,
      topP: 0.9,
      presencePenalty: 0.1,
      frequencyPenalty: 0.1,
      logprobs: true,
      topLogprobs: 3,
      reasoningEffort: 'low',
    });
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "messages": [
          {
            "content": "Think carefully.",
            "role": "system",
          },
          {
            "content": "Hi",
            "role": "user",
          },
          {
            "content": "Hello!",
            "role": "assistant",
          },
          {
            "content": "Weather in Paris?",
            "role": "user",
          },
          {
            "content": "",
            "reasoning_content": "Call the weather tool.",
            "role": "assistant",
            "tool_calls": [
              {
                "function": {
                  "arguments": "{"location":"Paris"}",
                  "name": "weather",
                },
                "id": "call_1",
                "type": "function",
              },
            ],
          },
          {
            "content": "{"temp":21}",
            "role": "tool",
            "tool_call_id": "call_1",
          },
          {
            "content": "It is 21°C.",
            "reasoning_content": "Report the result.",
            "role": "assistant",
          },
          {
            "content": "How many r's are in strawberry?",
            "role": "user",
          },
        ],
        "model": "deepseek-reasoner",
        "reasoning_effort": "high",
      }
    `);
    expect(result.warnings.map((w) => w.setting)).toEqual([
      'temperature',
      'top_p',
      'presence_penalty',
      'frequency_penalty',
      'logprobs',
      'top_logprobs',
      'reasoning_effort',
    ]);
    expect(messages[2]).toHaveProperty('reasoning_content', 'A greeting.');
    const message = result.choices[0]?.message;
    expect(message?.content).toMatch(/contains three instances of the letter "r"/);
    expect(message?.reasoningContent).toMatch(/^We are asked: "How many 'r's are in the word 'strawberry'\?"/);
    expect(result.usage).toEqual({
      promptTokens: 18,
      completionTokens: 345,
      totalTokens: 363,
      cachedTokens: 0,
      reasoningTokens: 315,
    });
  });

  it('turns json_schema into JSON mode with the schema as an instruction', async () => {
    replayJson('deepseek-json.json');
    const schema = {
      type: 'object',
      properties: { location: { type: 'string' }, condition: { type: 'string' }, temperature: { type: 'number' } },
    };
    const result = await deepseek()
      .chatModel('deepseek-reasoner')
      .generate({
        messages: [{ role: 'user', content: 'Weather in San Francisco as JSON.' }],
        responseFormat: { type: 'json_schema', json_schema: { name: 'weather', schema } },
      });
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "messages": [
          {
            "content": "Respond only with a JSON object that matches this JSON schema:
      {"type":"object","properties":{"location":{"type":"string"},"condition":{"type":"string"},"temperature":{"type":"number"}}}",
            "role": "system",
          },
          {
            "content": "Weather in San Francisco as JSON.",
            "role": "user",
          },
        ],
        "model": "deepseek-reasoner",
        "response_format": {
          "type": "json_object",
        },
      }
    `);
    expect(result.warnings.map((w) => w.setting)).toEqual(['response_format']);
    expect(JSON.parse(result.choices[0]?.message.content ?? '')).toEqual({
      location: 'San Francisco',
      condition: 'cloudy',
      temperature: 7,
    });
    expect(result.usage).toMatchObject({ cachedTokens: 320, reasoningTokens: 118 });
  });

  it('reads cache hits from prompt_cache_hit_tokens alone', async () => {
    replayJson('doc-deepseek-cache-hit.json');
    const result = await deepseek()
      .chatModel('deepseek-chat')
      .generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(result.usage).toEqual({ promptTokens: 1200, completionTokens: 8, totalTokens: 1208, cachedTokens: 1152 });
  });

  it('translates a recorded tool call with its reasoning', async () => {
    replayJson('deepseek-tool-call.json');
    const result = await deepseek()
      .chatModel('deepseek-reasoner')
      .generate({ messages: [{ role: 'user', content: 'Weather in San Francisco?' }] });
    expect(result.choices[0]?.message).toEqual({
      role: 'assistant',
      content: '',
      reasoningContent: expect.stringMatching(/^The user is asking for the weather in San Francisco/),
      toolCalls: [
        {
          id: 'call_00_9V0vrf86Pc9aelHCJMZqnJBo',
          type: 'function',
          function: { name: 'weather', arguments: '{"location": "San Francisco"}' },
        },
      ],
    });
    expect(result.choices[0]).toMatchObject({ finishReason: 'tool_calls' });
  });

  it('streams recorded reasoning deltas, then text, then usage', async () => {
    replayStream('deepseek-reasoning.chunks.txt');
    const stream = await deepseek()
      .chatModel('deepseek-reasoner')
      .stream({ messages: [{ role: 'user', content: "How many r's are in strawberry?" }] });
    const parts = await collect(stream.parts);
    expect(sentBody().stream_options).toEqual({ include_usage: true });
    expect(joined(parts, 'reasoning-delta')).toMatch(/^We need/);
    expect(joined(parts, 'text-delta')).toMatch(/\.$/);
    expect(parts.findLastIndex((p) => p.type === 'reasoning-delta')).toBeLessThan(
      parts.findIndex((p) => p.type === 'text-delta'),
    );
    expect(parts.slice(-2)).toMatchInlineSnapshot(`
      [
        {
          "choiceIndex": 0,
          "finishReason": "stop",
          "rawFinishReason": "stop",
          "type": "finish",
        },
        {
          "type": "usage",
          "usage": {
            "cachedTokens": 0,
            "completionTokens": 219,
            "promptTokens": 18,
            "reasoningTokens": 205,
            "totalTokens": 237,
          },
        },
      ]
    `);
  });

  it('streams a recorded incremental tool call', async () => {
    replayStream('deepseek-tool-call.chunks.txt');
    const stream = await deepseek()
      .chatModel('deepseek-reasoner')
      .stream({ messages: [{ role: 'user', content: 'Weather?' }] });
    const parts = await collect(stream.parts);
    const deltas = parts.filter(
      (p): p is Extract<ChatStreamPart, { type: 'tool-call-delta' }> => p.type === 'tool-call-delta',
    );
    expect(deltas[0]).toEqual({
      type: 'tool-call-delta',
      choiceIndex: 0,
      toolCallIndex: 0,
      id: 'call_00_ioIn7yN9p1ZOMNpDLwd4MgAF',
      name: 'weather',
      argumentsDelta: '',
    });
    expect(deltas.slice(1).every((d) => d.id === undefined && d.name === undefined)).toBe(true);
    expect(JSON.parse(deltas.map((d) => d.argumentsDelta).join(''))).toEqual({ location: 'San Francisco' });
    expect(parts.slice(-2)).toMatchInlineSnapshot(`
      [
        {
          "choiceIndex": 0,
          "finishReason": "tool_calls",
          "rawFinishReason": "tool_calls",
          "type": "finish",
        },
        {
          "type": "usage",
          "usage": {
            "cachedTokens": 320,
            "completionTokens": 83,
            "promptTokens": 339,
            "reasoningTokens": 39,
            "totalTokens": 422,
          },
        },
      ]
    `);
  });

  it('streams recorded text to a length finish', async () => {
    replayStream('deepseek-text.chunks.txt');
    const stream = await deepseek()
      .chatModel('deepseek-chat')
      .stream({ messages: [{ role: 'user', content: 'Invent a holiday.' }] });
    const parts = await collect(stream.parts);
    expect(parts[0]).toMatchObject({ type: 'response-metadata', model: 'deepseek-chat' });
    expect(parts.some((p) => p.type === 'reasoning-delta')).toBe(false);
    expect(parts.at(-2)).toMatchObject({ type: 'finish', finishReason: 'length' });
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { promptTokens: 13, completionTokens: 400, totalTokens: 413, cachedTokens: 0 },
    });
  });

  it('keeps DeepSeek’s error message', async () => {
    upstream.handle((_, res) =>
      sendJson(res, 400, {
        error: {
          message:
            'Missing `reasoning_content` field in the assistant message at message index 2. For more information, please refer to https://api-docs.deepseek.com/guides/thinking_mode#tool-calls',
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_request_error',
        },
      }),
    );
    const failure = await deepseek()
      .chatModel('deepseek-reasoner')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(BadRequestError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toContain('Missing `reasoning_content` field in the assistant message');
  });

  it('has no embeddings, and fails fast naming DEEPSEEK_API_KEY without a network call', async () => {
    let thrown: unknown;
    try {
      deepseek().embeddingModel('deepseek-embed');
    } catch (error) {
      thrown = error;
    }
    expect(EmbeddingsNotSupportedError.isInstance(thrown)).toBe(true);
    const failure = await createDeepSeek({ baseURL: upstream.url, env: {} })
      .chatModel('deepseek-chat')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({
      code: 'missing_credentials',
      message: expect.stringContaining('DEEPSEEK_API_KEY'),
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it('is registered for deepseek-chat and deepseek-reasoner', () => {
    const bare = (model: string) => deepseekDefinition.bareModels?.some((pattern) => pattern.test(model));
    expect(bare('deepseek-chat') && bare('deepseek-reasoner')).toBe(true);
    expect(bare('deepseek-r1:7b')).toBe(false);
    expect(deepseekDefinition).toMatchObject({ id: 'deepseek', credentialVariables: ['DEEPSEEK_API_KEY'] });
    expect(deepseekDefinition.create({ apiKey: 'k' }).id).toBe('deepseek');
  });
});
