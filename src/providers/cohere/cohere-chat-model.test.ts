import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';
import { type MockUpstream, readFixture, sendJson, startMockUpstream } from '../../test-support/mock-upstream.js';
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

const model = (id = 'command-a-03-2025') =>
  createCohere({ baseURL: `${upstream.url}/v2`, apiKey: 'test-key' }).chatModel(id);
const sentBody = () => upstream.requests[0]?.body as Record<string, unknown>;
const weatherTools: ChatRequest['tools'] = [
  {
    type: 'function',
    function: {
      name: 'weather',
      description: 'Weather in a location',
      parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
    },
  },
  { type: 'function', function: { name: 'cityAttractions', parameters: { type: 'object', properties: {} } } },
];

describe('cohere chat: recorded responses', () => {
  it('sends a v2 body and translates a recorded text response', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-text'));
    const result = await model().generate({
      messages: [
        { role: 'developer', content: 'Answer briefly.' },
        { role: 'user', content: 'What is the capital of France?' },
      ],
      maxTokens: 100,
      temperature: 0.2,
      topP: 0.9,
      stop: ['###'],
      seed: 7,
      frequencyPenalty: 0.1,
      presencePenalty: 0.2,
    });
    expect(upstream.requests[0]?.path).toBe('/v2/chat');
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer test-key');
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "frequency_penalty": 0.1,
        "max_tokens": 100,
        "messages": [
          {
            "content": "Answer briefly.",
            "role": "system",
          },
          {
            "content": "What is the capital of France?",
            "role": "user",
          },
        ],
        "model": "command-a-03-2025",
        "p": 0.9,
        "presence_penalty": 0.2,
        "seed": 7,
        "stop_sequences": [
          "###",
        ],
        "temperature": 0.2,
      }
    `);
    expect(result).toEqual({
      id: 'e7592632-1e3d-424f-b129-bd5f9f980f7b',
      created: expect.any(Number),
      model: 'command-a-03-2025',
      provider: 'cohere',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'The capital of France is Paris.' },
          finishReason: 'stop',
          rawFinishReason: 'COMPLETE',
        },
      ],
      usage: { promptTokens: 507, completionTokens: 10, totalTokens: 517, cachedTokens: 448 },
      warnings: [],
      raw: readFixture('cohere', 'cohere-text.json'),
      response: { status: 200, headers: expect.any(Object) },
    });
  });

  it('sends tools with REQUIRED and translates recorded parallel tool calls, the tool plan as reasoning', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-tool-call'));
    const result = await model().generate({
      messages: [{ role: 'user', content: 'Weather and attractions in San Francisco?' }],
      tools: weatherTools,
      toolChoice: 'required',
    });
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "messages": [
          {
            "content": "Weather and attractions in San Francisco?",
            "role": "user",
          },
        ],
        "model": "command-a-03-2025",
        "tool_choice": "REQUIRED",
        "tools": [
          {
            "function": {
              "description": "Weather in a location",
              "name": "weather",
              "parameters": {
                "properties": {
                  "location": {
                    "type": "string",
                  },
                },
                "required": [
                  "location",
                ],
                "type": "object",
              },
            },
            "type": "function",
          },
          {
            "function": {
              "name": "cityAttractions",
              "parameters": {
                "properties": {},
                "type": "object",
              },
            },
            "type": "function",
          },
        ],
      }
    `);
    expect(result.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        reasoningContent:
          'I will use the weather tool to find out the weather in San Francisco. I will also use the cityAttractions tool to find out what attractions are in San Francisco.',
        toolCalls: [
          {
            id: 'weather_dqgshstja6p9',
            type: 'function',
            function: { name: 'weather', arguments: '{"location":"San Francisco"}' },
          },
          {
            id: 'cityAttractions_dcxfx4myvx68',
            type: 'function',
            function: { name: 'cityAttractions', arguments: '{"city":"San Francisco"}' },
          },
        ],
      },
      finishReason: 'tool_calls',
      rawFinishReason: 'TOOL_CALL',
    });
    expect(result.usage).toEqual({ promptTokens: 1549, completionTokens: 103, totalTokens: 1652, cachedTokens: 992 });
  });

  it('turns recorded "null" tool arguments into {}', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-null-args'));
    const result = await model().generate({
      messages: [{ role: 'user', content: 'What time is it?' }],
      tools: [{ type: 'function', function: { name: 'currentTime' } }],
    });
    expect((sentBody().tools as unknown[])[0]).toEqual({
      type: 'function',
      function: { name: 'currentTime', parameters: { type: 'object', properties: {} } },
    });
    expect(result.choices[0]?.message.toolCalls).toEqual([
      { id: 'currentTime_tf4dywn8wgnk', type: 'function', function: { name: 'currentTime', arguments: '{}' } },
    ]);
    expect(result.choices[0]?.finishReason).toBe('tool_calls');
  });

  it('maps reasoningEffort to a thinking budget and translates recorded thinking blocks', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-reasoning'));
    const result = await model('command-a-reasoning-08-2025').generate({
      messages: [{ role: 'user', content: 'What is 2 + 2?' }],
      reasoningEffort: 'low',
    });
    expect(sentBody().thinking).toEqual({ type: 'enabled', token_budget: 4096 });
    expect(result.choices[0]?.message).toEqual({
      role: 'assistant',
      content: '2 + 2 = 4',
      reasoningContent: 'Okay, so I need to figure out what 2 + 2 is. Let me start by recalling what addition means.',
    });
    expect(result.usage).toEqual({ promptTokens: 1394, completionTokens: 582, totalTokens: 1976, cachedTokens: 1344 });
  });

  it('lets providerOptions.cohere.thinking override reasoningEffort', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-reasoning'));
    await model().generate({
      messages: [{ role: 'user', content: 'x' }],
      reasoningEffort: 'high',
      providerOptions: { cohere: { thinking: { type: 'disabled' } } },
    });
    expect(sentBody().thinking).toEqual({ type: 'disabled' });
  });

  it('reports a recorded MAX_TOKENS stop as length, raw reason kept', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-max-tokens'));
    const result = await model().generate({ messages: [{ role: 'user', content: 'History of Rome' }], maxTokens: 5 });
    expect(result.choices[0]).toMatchObject({
      message: { content: '**The History of' },
      finishReason: 'length',
      rawFinishReason: 'MAX_TOKENS',
    });
  });

  it('passes RAG documents through and keeps recorded citations in the raw body', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-citations'));
    const documents = [{ data: { text: 'AI provides: 1. Automation of tasks', title: 'benefits.txt' } }];
    const result = await model().generate({
      messages: [{ role: 'user', content: 'What are the key benefits?' }],
      providerOptions: { cohere: { documents, citationOptions: { mode: 'FAST' } } },
    });
    expect(sentBody()).toMatchObject({ documents, citation_options: { mode: 'FAST' } });
    expect(result.choices[0]?.message.content).toBe(
      'The key benefits mentioned in this document are:\n1. Automation of tasks\n2. Better decision-making\n3. Cost reduction',
    );
    expect(result.choices[0]?.finishReason).toBe('stop');
    expect((result.raw as { message: { citations: unknown[] } }).message.citations).toHaveLength(3);
    expect(result.usage).toEqual({ promptTokens: 1683, completionTokens: 62, totalTokens: 1745, cachedTokens: 992 });
  });
});

describe('cohere chat: request translation', () => {
  it('converts a multi-turn conversation with images, tool calls, tool plan and tool results', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-text'));
    const result = await model('command-a-vision-07-2025').generate({
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'You are terse.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image, and the weather there?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
            { type: 'image_url', image_url: { url: 'https://example.com/paris.jpg' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          reasoning_content: 'I will look up the weather in Paris.',
          tool_calls: [
            { id: 'weather_1', type: 'function', function: { name: 'weather', arguments: '{"location":"Paris"}' } },
            { id: 'time_2', type: 'function', function: { name: 'currentTime', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'weather_1', content: '{"temperature":21}' },
        { role: 'tool', tool_call_id: 'time_2', content: [{ type: 'text', text: '12:00' }] },
        { role: 'assistant', content: 'Sunny, 21 °C.', reasoning_content: 'not replayed without tool calls' },
        { role: 'user', content: 'Thanks', name: 'alice' },
      ],
    });
    expect(sentBody().messages).toMatchInlineSnapshot(`
      [
        {
          "content": [
            {
              "text": "You are terse.",
              "type": "text",
            },
          ],
          "role": "system",
        },
        {
          "content": [
            {
              "text": "What is in this image, and the weather there?",
              "type": "text",
            },
            {
              "image_url": {
                "detail": "low",
                "url": "data:image/png;base64,iVBORw0KGgo=",
              },
              "type": "image_url",
            },
            {
              "image_url": {
                "url": "https://example.com/paris.jpg",
              },
              "type": "image_url",
            },
          ],
          "role": "user",
        },
        {
          "role": "assistant",
          "tool_calls": [
            {
              "function": {
                "arguments": "{"location":"Paris"}",
                "name": "weather",
              },
              "id": "weather_1",
              "type": "function",
            },
            {
              "function": {
                "arguments": "{}",
                "name": "currentTime",
              },
              "id": "time_2",
              "type": "function",
            },
          ],
          "tool_plan": "I will look up the weather in Paris.",
        },
        {
          "content": "{"temperature":21}",
          "role": "tool",
          "tool_call_id": "weather_1",
        },
        {
          "content": [
            {
              "text": "12:00",
              "type": "text",
            },
          ],
          "role": "tool",
          "tool_call_id": "time_2",
        },
        {
          "content": "Sunny, 21 °C.",
          "role": "assistant",
        },
        {
          "content": "Thanks",
          "role": "user",
        },
      ]
    `);
    expect(result.warnings).toEqual([expect.objectContaining({ setting: 'name' })]);
  });

  it('turns a named tool choice into REQUIRED with only that tool, with a warning', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-tool-call'));
    const result = await model().generate({
      messages: [{ role: 'user', content: 'x' }],
      tools: weatherTools,
      toolChoice: { type: 'function', function: { name: 'weather' } },
    });
    expect(sentBody().tool_choice).toBe('REQUIRED');
    expect((sentBody().tools as { function: { name: string } }[]).map((tool) => tool.function.name)).toEqual([
      'weather',
    ]);
    expect(result.warnings).toEqual([expect.objectContaining({ setting: 'tool_choice' })]);
  });

  it('rejects a named tool choice for a tool that is not offered, without a call', async () => {
    const failure = await model()
      .generate({
        messages: [{ role: 'user', content: 'x' }],
        tools: weatherTools,
        toolChoice: { type: 'function', function: { name: 'nope' } },
      })
      .catch((error: unknown) => error);
    expect(BadRequestError.isInstance(failure)).toBe(true);
    expect(upstream.requests).toHaveLength(0);
  });

  it('maps response formats and tool choice none', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-text'));
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    await model().generate({
      messages: [{ role: 'user', content: 'x' }],
      responseFormat: { type: 'json_schema', json_schema: { name: 'city', schema } },
    });
    expect(sentBody().response_format).toEqual({ type: 'json_object', json_schema: schema });
    upstream.requests.length = 0;
    await model().generate({ messages: [{ role: 'user', content: 'x' }], responseFormat: { type: 'json_object' } });
    expect(sentBody().response_format).toEqual({ type: 'json_object' });
    upstream.requests.length = 0;
    await model().generate({ messages: [{ role: 'user', content: 'x' }], tools: weatherTools, toolChoice: 'none' });
    expect(sentBody().tool_choice).toBe('NONE');
  });

  it('drops what Cohere cannot take, with one warning each, instead of a provider 400', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-text'));
    const result = await model().generate({
      messages: [{ role: 'user', content: 'x' }],
      n: 2,
      logprobs: true,
      topLogprobs: 3,
      user: 'user-1',
      parallelToolCalls: false,
      frequencyPenalty: 1.5,
      presencePenalty: -0.5,
      stop: ['a', 'b', 'c', 'd', 'e', 'f'],
      tools: weatherTools,
      responseFormat: { type: 'json_object' },
    });
    const body = sentBody();
    expect(body).toMatchObject({
      frequency_penalty: 1,
      presence_penalty: 0,
      stop_sequences: ['a', 'b', 'c', 'd', 'e'],
    });
    for (const field of ['n', 'logprobs', 'top_logprobs', 'user', 'parallel_tool_calls', 'response_format', 'stop'])
      expect(body[field]).toBeUndefined();
    expect(result.warnings.map((warning) => warning.setting)).toEqual([
      'stop',
      'frequency_penalty',
      'presence_penalty',
      'n',
      'logprobs',
      'top_logprobs',
      'user',
      'parallel_tool_calls',
      'response_format',
    ]);
  });

  it('sends strict_tools only when every tool is strict', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-tool-call'));
    const strict = weatherTools?.map((tool) => ({ ...tool, function: { ...tool.function, strict: true } }));
    await model().generate({ messages: [{ role: 'user', content: 'x' }], tools: strict });
    expect(sentBody().strict_tools).toBe(true);
    upstream.requests.length = 0;
    const mixed = strict?.map((tool, index) => (index === 0 ? tool : (weatherTools?.[index] ?? tool)));
    const result = await model().generate({ messages: [{ role: 'user', content: 'x' }], tools: mixed });
    expect(sentBody().strict_tools).toBeUndefined();
    expect(result.warnings).toEqual([expect.objectContaining({ setting: 'strict' })]);
  });

  it('rejects invalid providerOptions.cohere before any call', async () => {
    const failure = await model()
      .generate({ messages: [{ role: 'user', content: 'x' }], providerOptions: { cohere: { safetyMode: 'LOUD' } } })
      .catch((error: unknown) => error);
    expect(BadRequestError.isInstance(failure)).toBe(true);
    expect((failure as BadRequestError).param).toBe('providerOptions.cohere.safetyMode');
    expect(upstream.requests).toHaveLength(0);
  });

  it('rejects a response that is not a Cohere chat response', async () => {
    upstream.handle((_, res) => sendJson(res, 200, { choices: [] }));
    await expect(model().generate({ messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({
      code: 'upstream_error',
    });
  });
});
