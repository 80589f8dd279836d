import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage, ChatStreamPart } from '../../spec/chat.js';
import { AuthenticationError, BadRequestError } from '../../spec/errors.js';
import {
  collect,
  type MockUpstream,
  readChunks,
  readFixture,
  sendJson,
  sendStream,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { mistralDefinition } from './index.js';
import { createMistral } from './mistral-provider.js';
import { toMistralToolCallId } from './mistral-tool-call-ids.js';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const mistral = () => createMistral({ baseURL: `${upstream.url}/v1`, env: { MISTRAL_API_KEY: 'mistral-test' } });
const replayJson = (name: string) => upstream.handle((_, res) => sendJson(res, 200, readFixture('mistral', name)));
const replayStream = (name: string) =>
  upstream.handle((_, res) => sendStream(res, readChunks('mistral', name), { format: 'sse', done: true }));
const sentBody = (index = 0) => upstream.requests[index]?.body as Record<string, unknown>;
const streamParts = async (name: string, messages: ChatMessage[] = [{ role: 'user', content: 'x' }]) => {
  replayStream(name);
  const stream = await mistral().chatModel('mistral-small-latest').stream({ messages });
  return collect(stream.parts);
};

const weatherTool = {
  type: 'function' as const,
  function: { name: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } },
};

describe('mistral chat (recorded traffic)', () => {
  it('sends a clean body with Mistral names and translates a recorded text response', async () => {
    replayJson('mistral-text.json');
    const result = await mistral()
      .chatModel('mistral-small-latest')
      .generate({
        messages: [
          { role: 'developer', content: 'Be creative.' },
          { role: 'user', content: 'Invent a holiday.', name: 'ada' },
        ],
        maxTokens: 500,
        seed: 7,
        stop: ['END'],
        n: 1,
        presencePenalty: 0.1,
        tools: [weatherTool],
        toolChoice: 'required',
        logprobs: true,
        user: 'u-1',
        reasoningEffort: 'high',
      });
    expect(upstream.requests[0]?.path).toBe('/v1/chat/completions');
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer mistral-test');
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "max_tokens": 500,
        "messages": [
          {
            "content": "Be creative.",
            "role": "system",
          },
          {
            "content": "Invent a holiday.",
            "role": "user",
          },
        ],
        "model": "mistral-small-latest",
        "n": 1,
        "presence_penalty": 0.1,
        "random_seed": 7,
        "stop": [
          "END",
        ],
        "tool_choice": "any",
        "tools": [
          {
            "function": {
              "name": "weather",
              "parameters": {
                "properties": {
                  "location": {
                    "type": "string",
                  },
                },
                "type": "object",
              },
            },
            "type": "function",
          },
        ],
      }
    `);
    expect(result.warnings.map((w) => w.setting)).toEqual(['messages[].name', 'reasoning_effort', 'logprobs', 'user']);
    expect(result.choices[0]?.message.content).toMatch(/^\*\*Holiday Name: "World Kindness Day of Sharing"\*\*/);
    expect(result.choices[0]).toMatchObject({ finishReason: 'stop', rawFinishReason: 'stop' });
    expect(result.usage).toEqual({ promptTokens: 13, completionTokens: 434, totalTokens: 447 });
  });

  it('rebuilds a forwarded OpenAI body from known fields only', async () => {
    replayJson('mistral-text.json');
    const openaiBody = {
      model: 'mistral-small-latest',
      messages: [{ role: 'user', content: 'hi' }],
      max_completion_tokens: 100,
      response_format: { type: 'json_object' },
      metadata: { team: 'a' },
      store: true,
      stream_options: { include_usage: true },
    };
    const result = await mistral()
      .chatModel('mistral-small-latest')
      .generate(
        { messages: [{ role: 'user', content: 'hi' }] },
        { passthrough: { format: 'openai-chat', body: openaiBody } },
      );
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "max_tokens": 100,
        "messages": [
          {
            "content": "hi",
            "role": "user",
          },
        ],
        "model": "mistral-small-latest",
        "response_format": {
          "type": "json_object",
        },
      }
    `);
    expect(result.warnings.map((w) => w.setting)).toEqual(['metadata', 'store']);
  });

  it('rewrites tool-call ids to 9 characters consistently and maps them back in the answer', async () => {
    const clientId = 'call_9f149c74c42f265b';
    const mistralId = toMistralToolCallId(clientId);
    const recorded = readFixture('mistral', 'mistral-tool-call.json') as {
      choices: { message: { tool_calls: { id: string }[] } }[];
    };
    const answer = structuredClone(recorded);
    for (const call of answer.choices[0]?.message.tool_calls ?? []) call.id = mistralId;
    upstream.handle((_, res) => sendJson(res, 200, answer));
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'I should call the tool.',
        tool_calls: [
          { id: clientId, type: 'function', function: { name: 'weather', arguments: '{"location":"Paris"}' } },
        ],
      },
      { role: 'tool', tool_call_id: clientId, content: '{"temp":21}' },
      { role: 'user', content: 'And San Francisco?' },
    ];
    const result = await mistral()
      .chatModel('mistral-small-latest')
      .generate({ messages, tools: [weatherTool] });
    expect(mistralId).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(toMistralToolCallId(clientId)).toBe(mistralId);
    expect(sentBody().messages).toMatchInlineSnapshot(`
      [
        {
          "content": "Weather in Paris?",
          "role": "user",
        },
        {
          "content": null,
          "role": "assistant",
          "tool_calls": [
            {
              "function": {
                "arguments": "{"location":"Paris"}",
                "name": "weather",
              },
              "id": "BMVpgQBqi",
              "type": "function",
            },
          ],
        },
        {
          "content": "{"temp":21}",
          "name": "weather",
          "role": "tool",
          "tool_call_id": "BMVpgQBqi",
        },
        {
          "content": "And San Francisco?",
          "role": "user",
        },
      ]
    `);
    expect(result.warnings).toEqual([]);
    expect(result.choices[0]?.message.toolCalls).toEqual([
      { id: clientId, type: 'function', function: { name: 'weather', arguments: '{"location": "San Francisco"}' } },
    ]);
    expect(messages[1]).toHaveProperty('tool_calls.0.id', clientId);

    // Mistral's own ids already have the required shape: they reach the client and come back unchanged.
    replayJson('mistral-tool-call.json');
    const first = await mistral()
      .chatModel('mistral-small-latest')
      .generate({ messages: [messages[0] as ChatMessage] });
    const call = first.choices[0]?.message.toolCalls?.[0];
    expect(call?.id).toBe('gSIMJiOkT');
    await mistral()
      .chatModel('mistral-small-latest')
      .generate({
        messages: [
          messages[0] as ChatMessage,
          { role: 'assistant', content: null, tool_calls: call ? [call] : [] },
          { role: 'tool', tool_call_id: 'gSIMJiOkT', content: '{"temp":14}' },
        ],
      });
    expect(sentBody(2).messages).toMatchObject([
      {},
      { tool_calls: [{ id: 'gSIMJiOkT' }] },
      { tool_call_id: 'gSIMJiOkT', name: 'weather' },
    ]);
  });

  it('splits recorded thinking and text chunks into reasoning and content', async () => {
    replayJson('mistral-reasoning.json');
    const result = await mistral()
      .chatModel('magistral-medium-2507')
      .generate({ messages: [{ role: 'user', content: 'What is 2+2?' }] });
    expect(result.choices[0]?.message).toEqual({
      role: 'assistant',
      content: '2 + 2 = 4',
      reasoningContent: 'The user is asking for 2+2. This is basic arithmetic. 2+2=4.',
    });
    expect(result.usage).toEqual({ promptTokens: 10, completionTokens: 46, totalTokens: 56 });
    expect((result.raw as { choices: { message: { content: unknown } }[] }).choices[0]?.message.content).toHaveLength(
      2,
    );
  });

  it('streams recorded text without stream_options, usage from the last chunk', async () => {
    const parts = await streamParts('mistral-text.chunks.txt');
    expect(sentBody()).not.toHaveProperty('stream_options');
    expect(sentBody()).toMatchObject({ stream: true });
    expect(parts).toMatchInlineSnapshot(`
      [
        {
          "created": 1769088720,
          "id": "5319bd0299614c679a0068a4f2c8ffd0",
          "model": "mistral-small-latest",
          "type": "response-metadata",
        },
        {
          "choiceIndex": 0,
          "delta": "Hello",
          "type": "text-delta",
        },
        {
          "choiceIndex": 0,
          "delta": ", ",
          "type": "text-delta",
        },
        {
          "choiceIndex": 0,
          "delta": "world!",
          "type": "text-delta",
        },
        {
          "choiceIndex": 0,
          "delta": " This",
          "type": "text-delta",
        },
        {
          "choiceIndex": 0,
          "delta": " is a test",
          "type": "text-delta",
        },
        {
          "choiceIndex": 0,
          "delta": " response.",
          "type": "text-delta",
        },
        {
          "choiceIndex": 0,
          "finishReason": "stop",
          "rawFinishReason": "stop",
          "type": "finish",
        },
        {
          "type": "usage",
          "usage": {
            "completionTokens": 8,
            "promptTokens": 13,
            "totalTokens": 21,
          },
        },
      ]
    `);
  });

  it('streams recorded thinking chunks as reasoning deltas, then text', async () => {
    const parts = await streamParts('mistral-reasoning.chunks.txt');
    expect(parts.filter((p) => p.type !== 'response-metadata')).toMatchInlineSnapshot(`
      [
        {
          "choiceIndex": 0,
          "delta": "The user is asking",
          "type": "reasoning-delta",
        },
        {
          "choiceIndex": 0,
          "delta": " for 2+2. This is basic arithmetic. 2+2=4.",
          "type": "reasoning-delta",
        },
        {
          "choiceIndex": 0,
          "delta": "2 + 2 = 4",
          "type": "text-delta",
        },
        {
          "choiceIndex": 0,
          "finishReason": "stop",
          "rawFinishReason": "stop",
          "type": "finish",
        },
        {
          "type": "usage",
          "usage": {
            "completionTokens": 46,
            "promptTokens": 10,
            "totalTokens": 56,
          },
        },
      ]
    `);
  });

  it('streams recorded tool calls, whole and incremental', async () => {
    const whole = await streamParts('mistral-tool-call.chunks.txt');
    expect(whole.filter((p) => p.type === 'tool-call-delta' || p.type === 'finish')).toMatchInlineSnapshot(`
      [
        {
          "argumentsDelta": "{"location": "San Francisco"}",
          "choiceIndex": 0,
          "id": "gSIMJiOkT",
          "name": "weather",
          "toolCallIndex": 0,
          "type": "tool-call-delta",
        },
        {
          "choiceIndex": 0,
          "finishReason": "tool_calls",
          "rawFinishReason": "tool_calls",
          "type": "finish",
        },
      ]
    `);
    const incremental = await streamParts('mistral-incremental-tool-call.chunks.txt');
    const deltas = incremental.filter(
      (p): p is Extract<ChatStreamPart, { type: 'tool-call-delta' }> => p.type === 'tool-call-delta',
    );
    expect(deltas.map((d) => [d.id, d.name, d.argumentsDelta])).toEqual([
      ['chatcmpl-tool-9f149c74c42f265b', 'webSearchTool', ''],
      [undefined, undefined, '{"query": "current Berlin weather"}'],
    ]);
    expect(incremental.at(-1)).toEqual({
      type: 'usage',
      usage: { promptTokens: 171, completionTokens: 14, totalTokens: 185, cachedTokens: 128 },
    });
  });

  it('keeps the field Mistral names in a 422 validation error', async () => {
    upstream.handle((_, res) => sendJson(res, 422, readFixture('mistral', 'doc-mistral-422.json')));
    const failure = await mistral()
      .chatModel('mistral-small-latest')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(BadRequestError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 422, provider: 'mistral', isRetryable: false });
    expect((failure as Error).message).toBe(
      'mistral error (422): body.messages.0.user.name: Extra inputs are not permitted',
    );
  });

  it('fails fast naming MISTRAL_API_KEY without a network call', async () => {
    const keyless = createMistral({ baseURL: upstream.url, env: {} });
    const failure = await keyless
      .chatModel('mistral-small-latest')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toContain('MISTRAL_API_KEY');
    await expect(keyless.embeddingModel('mistral-embed').embed({ input: ['x'] })).rejects.toThrow(/MISTRAL_API_KEY/);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('mistral embeddings', () => {
  it('embeds with mistral-embed, dropping dimensions and user with warnings', async () => {
    replayJson('doc-mistral-embeddings.json');
    const result = await mistral()
      .embeddingModel('mistral-embed')
      .embed({ input: ['Embed this sentence.', 'As well as this one.'], dimensions: 256, user: 'u-1' });
    expect(upstream.requests[0]?.path).toBe('/v1/embeddings');
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "encoding_format": "float",
        "input": [
          "Embed this sentence.",
          "As well as this one.",
        ],
        "model": "mistral-embed",
      }
    `);
    expect(result.warnings.map((w) => w.setting)).toEqual(['dimensions', 'user']);
    expect(result.embeddings).toEqual([
      [-0.016632080078125, 0.0701904296875, 0.03143310546875],
      [-0.0230560302734375, 0.039337158203125, 0.0521240234375],
    ]);
    expect(result.usage).toEqual({ promptTokens: 15, totalTokens: 15 });
  });

  it('sends dimensions as output_dimension to codestral-embed and drops unknown OpenAI fields', async () => {
    replayJson('doc-mistral-embeddings.json');
    const result = await mistral()
      .embeddingModel('codestral-embed')
      .embed(
        { input: ['def f(): pass'], providerOptions: { mistral: { outputDtype: 'int8' } } },
        {
          passthrough: {
            format: 'openai-embeddings',
            body: {
              model: 'codestral-embed',
              input: ['def f(): pass'],
              dimensions: 512,
              encoding_format: 'base64',
              extra: 1,
            },
          },
        },
      );
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "encoding_format": "float",
        "input": [
          "def f(): pass",
        ],
        "model": "codestral-embed",
        "output_dimension": 512,
        "output_dtype": "int8",
      }
    `);
    expect(result.warnings.map((w) => w.setting)).toEqual(['extra']);
  });
});

describe('mistral definition', () => {
  it('claims Mistral model names and creates a provider from backend options', () => {
    const bare = (model: string) => mistralDefinition.bareModels?.some((pattern) => pattern.test(model));
    expect(['mistral-small-latest', 'magistral-medium-2507', 'codestral-embed', 'open-mistral-nemo'].every(bare)).toBe(
      true,
    );
    expect(['mistral', 'mistral:7b', 'gpt-4o'].some(bare)).toBe(false);
    expect(mistralDefinition).toMatchObject({
      id: 'mistral',
      types: ['mistralai'],
      credentialVariables: ['MISTRAL_API_KEY'],
    });
    expect(mistralDefinition.create({ apiKey: 'k' }).id).toBe('mistral');
  });
});
