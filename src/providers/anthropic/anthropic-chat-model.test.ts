import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ContextWindowExceededError, ServiceUnavailableError } from '../../spec/errors.js';
import { type MockUpstream, readFixture, sendJson, startMockUpstream } from '../../test-support/mock-upstream.js';
import { anthropicReplay } from '../../test-support/replay-anthropic.js';
import { createAnthropic } from './anthropic-provider.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const model = (id = 'claude-sonnet-4-5') =>
  createAnthropic({ baseURL: `${upstream.url}/v1`, apiKey: 'test-key', env: {} }).chatModel(id);
const sentBody = () => upstream.requests[0]?.body;

describe('anthropic generate (recorded traffic)', () => {
  it('sends a Messages body with system hoisted and the default max_tokens, and translates text', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-text'));
    const result = await model().generate({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello, how are you?' },
      ],
      temperature: 0.5,
      stop: ['END'],
    });
    expect(upstream.requests[0]?.path).toBe('/v1/messages');
    expect(upstream.requests[0]?.headers['x-api-key']).toBe('test-key');
    expect(upstream.requests[0]?.headers['anthropic-version']).toBe('2023-06-01');
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "max_tokens": 4096,
        "messages": [
          {
            "content": [
              {
                "text": "Hello, how are you?",
                "type": "text",
              },
            ],
            "role": "user",
          },
        ],
        "model": "claude-sonnet-4-5",
        "stop_sequences": [
          "END",
        ],
        "system": "Be brief.",
        "temperature": 0.5,
      }
    `);
    expect(result).toMatchObject({
      id: 'msg_01VdEjxAP5ahtHKrrRdNBteQ',
      model: 'claude-sonnet-4-5-20250929',
      provider: 'anthropic',
      warnings: [],
    });
    expect(result.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content:
            "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
        },
        finishReason: 'stop',
        rawFinishReason: 'end_turn',
      },
    ]);
    expect(result.usage).toEqual({
      promptTokens: 12,
      completionTokens: 29,
      totalTokens: 41,
      cachedTokens: 0,
      cacheWriteTokens: 0,
    });
  });

  it('sends tools and tool history, and returns a tool call without arguments as {}', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-tool-no-args'));
    const result = await model().generate({
      messages: [
        { role: 'user', content: 'Refresh the issues' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'toolu_a', type: 'function', function: { name: 'lookup', arguments: '{"id":1}' } },
            { id: 'toolu_b', type: 'function', function: { name: 'lookup', arguments: '{"id":2}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'toolu_a', content: 'one' },
        { role: 'tool', tool_call_id: 'toolu_b', content: [{ type: 'text', text: 'two' }] },
        { role: 'user', content: 'Now update the list' },
      ],
      maxTokens: 300,
      tools: [
        { type: 'function', function: { name: 'updateIssueList', description: 'Refresh the issue list' } },
        {
          type: 'function',
          function: { name: 'lookup', parameters: { type: 'object', properties: { id: { type: 'number' } } } },
        },
      ],
      toolChoice: 'required',
      parallelToolCalls: false,
    });
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "max_tokens": 300,
        "messages": [
          {
            "content": [
              {
                "text": "Refresh the issues",
                "type": "text",
              },
            ],
            "role": "user",
          },
          {
            "content": [
              {
                "id": "toolu_a",
                "input": {
                  "id": 1,
                },
                "name": "lookup",
                "type": "tool_use",
              },
              {
                "id": "toolu_b",
                "input": {
                  "id": 2,
                },
                "name": "lookup",
                "type": "tool_use",
              },
            ],
            "role": "assistant",
          },
          {
            "content": [
              {
                "content": "one",
                "tool_use_id": "toolu_a",
                "type": "tool_result",
              },
              {
                "content": "two",
                "tool_use_id": "toolu_b",
                "type": "tool_result",
              },
              {
                "text": "Now update the list",
                "type": "text",
              },
            ],
            "role": "user",
          },
        ],
        "model": "claude-sonnet-4-5",
        "tool_choice": {
          "disable_parallel_tool_use": true,
          "type": "any",
        },
        "tools": [
          {
            "description": "Refresh the issue list",
            "input_schema": {
              "properties": {},
              "type": "object",
            },
            "name": "updateIssueList",
          },
          {
            "input_schema": {
              "properties": {
                "id": {
                  "type": "number",
                },
              },
              "type": "object",
            },
            "name": "lookup",
          },
        ],
      }
    `);
    const choice = result.choices[0];
    expect(choice?.finishReason).toBe('tool_calls');
    expect(choice?.rawFinishReason).toBe('tool_use');
    expect(choice?.message.content).toMatch(/^<thinking>/);
    expect(choice?.message.toolCalls).toEqual([
      {
        id: 'toolu_01LRmxn9vGM1d2DZSDBowdZ1',
        type: 'function',
        function: { name: 'updateIssueList', arguments: '{}' },
      },
    ]);
  });

  it('asks for JSON through a forced json tool and returns its input as the message text', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-json-tool.1'));
    const schema = { type: 'object', properties: { elements: { type: 'array' } }, required: ['elements'] };
    const result = await model('claude-haiku-4-5').generate({
      messages: [{ role: 'user', content: 'Weather in four cities as JSON' }],
      responseFormat: { type: 'json_schema', json_schema: { name: 'weather', schema } },
    });
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "max_tokens": 4096,
        "messages": [
          {
            "content": [
              {
                "text": "Weather in four cities as JSON",
                "type": "text",
              },
            ],
            "role": "user",
          },
        ],
        "model": "claude-haiku-4-5",
        "tool_choice": {
          "disable_parallel_tool_use": true,
          "name": "json",
          "type": "tool",
        },
        "tools": [
          {
            "description": "Respond with a JSON object that is the complete answer.",
            "input_schema": {
              "properties": {
                "elements": {
                  "type": "array",
                },
              },
              "required": [
                "elements",
              ],
              "type": "object",
            },
            "name": "json",
          },
        ],
      }
    `);
    const choice = result.choices[0];
    expect(choice?.finishReason).toBe('stop');
    expect(choice?.rawFinishReason).toBe('tool_use');
    expect(choice?.message.toolCalls).toBeUndefined();
    const parsed = JSON.parse(choice?.message.content ?? '') as { elements: { location: string }[] };
    expect(parsed.elements.map((element) => element.location)).toEqual(['San Francisco', 'London', 'Paris', 'Berlin']);
  });

  it('keeps a real tool call as a tool call when JSON mode also offered user tools', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-json-other-tool.1'));
    const result = await model('claude-haiku-4-5').generate({
      messages: [{ role: 'user', content: 'Weather in San Francisco as JSON' }],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
      responseFormat: { type: 'json_object' },
    });
    expect((sentBody() as { tool_choice: unknown }).tool_choice).toEqual({ type: 'any' });
    expect((sentBody() as { tools: { name: string }[] }).tools.map((tool) => tool.name)).toEqual(['weather', 'json']);
    expect(result.choices[0]?.finishReason).toBe('tool_calls');
    expect(result.choices[0]?.message.content).toBeNull();
    expect(result.choices[0]?.message.toolCalls?.[0]?.function).toEqual({
      name: 'weather',
      arguments: '{"location":"San Francisco"}',
    });
  });

  it("uses Anthropic's native output_config when asked to, and returns the text as is", async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-json-output-format.1'));
    const schema = { type: 'object', properties: { recipe: { type: 'object' } } };
    const result = await model().generate({
      messages: [{ role: 'user', content: 'A lasagna recipe' }],
      responseFormat: { type: 'json_schema', json_schema: { name: 'recipe', schema } },
      providerOptions: { anthropic: { structuredOutputs: 'native' } },
    });
    const body = sentBody() as Record<string, unknown>;
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema } });
    expect(body.tools).toBeUndefined();
    expect(JSON.parse(result.choices[0]?.message.content ?? '')).toHaveProperty('recipe.name', 'Classic Lasagna');
    expect(result.choices[0]?.finishReason).toBe('stop');
  });

  it('turns reasoningEffort into a thinking budget, drops temperature, and returns the thinking', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-clear-thinking.1'));
    const result = await model().generate({
      messages: [{ role: 'user', content: 'What is 925 / 5?' }],
      reasoningEffort: 'medium',
      temperature: 0.2,
    });
    expect(sentBody()).toMatchInlineSnapshot(`
      {
        "max_tokens": 8192,
        "messages": [
          {
            "content": [
              {
                "text": "What is 925 / 5?",
                "type": "text",
              },
            ],
            "role": "user",
          },
        ],
        "model": "claude-sonnet-4-5",
        "thinking": {
          "budget_tokens": 4096,
          "type": "enabled",
        },
      }
    `);
    expect(result.warnings).toEqual([
      {
        type: 'unsupported-setting',
        setting: 'temperature',
        message: 'anthropic does not take temperature with thinking; dropped',
      },
    ]);
    expect(result.choices[0]?.message).toEqual({
      role: 'assistant',
      content: '925 ÷ 5 = 185',
      reasoningContent: '925 divided by 5 = 185',
      reasoning: [
        {
          type: 'thinking',
          thinking: '925 divided by 5 = 185',
          signature: expect.stringMatching(/^Er4BCkYICxgCKkCoxqLH/),
        },
      ],
    });
  });

  it('reports thinking tokens as reasoning tokens', async () => {
    upstream.handle((_, res) =>
      sendJson(res, 200, readFixture('anthropic', 'anthropic-claude-opus-5-reasoning-high.1.json')),
    );
    const result = await model('claude-opus-5').generate({
      messages: [{ role: 'user', content: 'Roots of x^3-6x^2+11x-6' }],
      reasoningEffort: 'high',
    });
    expect((sentBody() as Record<string, unknown>).max_tokens).toBe(4096 + 16384);
    expect(result.usage).toEqual({
      promptTokens: 51,
      completionTokens: 1699,
      totalTokens: 1750,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 139,
    });
    expect(result.choices[0]?.message.reasoningContent).toMatch(/^I need to find all roots/);
  });

  it('maps a refusal to content_filter and keeps the explanation', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-refusal'));
    const result = await model('claude-fable-5').generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(result.choices[0]).toEqual({
      index: 0,
      message: {
        role: 'assistant',
        content: null,
        refusal:
          "This request triggered restrictions on violative cyber content and was blocked under Anthropic's Usage Policy.",
      },
      finishReason: 'content_filter',
      rawFinishReason: 'refusal',
    });
  });

  it('reports the stop sequence Anthropic stopped on, answered or streamed', async () => {
    const message = {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      content: [{ type: 'text', text: 'One, two' }],
      stop_reason: 'stop_sequence',
      stop_sequence: ', three',
      usage: { input_tokens: 5, output_tokens: 3 },
    };
    upstream.handle((request, response) => {
      if ((request.body as { stream?: boolean }).stream !== true) return sendJson(response, 200, message);
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = [
        { type: 'message_start', message: { ...message, content: [], stop_reason: null, stop_sequence: null } },
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'One, two' } },
        { type: 'content_block_stop', index: 0 },
        { type: 'message_delta', delta: { stop_reason: 'stop_sequence', stop_sequence: ', three' }, usage: {} },
        { type: 'message_stop' },
      ];
      response.end(events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join(''));
    });
    const request = { messages: [{ role: 'user' as const, content: 'Count.' }], stop: [', three'] };
    const result = await model().generate(request);
    expect(result.choices[0]).toMatchObject({
      finishReason: 'stop',
      rawFinishReason: 'stop_sequence',
      stopSequence: ', three',
    });
    const streamed = await model().stream(request);
    const parts = [];
    for await (const part of streamed.parts) parts.push(part);
    expect(parts.find((part) => part.type === 'finish')).toEqual({
      type: 'finish',
      choiceIndex: 0,
      finishReason: 'stop',
      rawFinishReason: 'stop_sequence',
      stopSequence: ', three',
    });
  });

  it('maps an overloaded (529) answer to a retryable 503 with the upstream message', async () => {
    upstream.handle((_, res) =>
      sendJson(res, 529, readFixture('anthropic', 'doc-anthropic-overloaded-error.json'), { 'retry-after': '3' }),
    );
    const failure = await model()
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(ServiceUnavailableError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({
      status: 503,
      isRetryable: true,
      retryAfter: 3,
      message: 'anthropic error (529): Overloaded',
    });
  });

  it('maps a too-long prompt to a context window error', async () => {
    upstream.handle((_, res) =>
      sendJson(res, 400, readFixture('anthropic', 'doc-anthropic-prompt-too-long-error.json')),
    );
    const failure = await model()
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(ContextWindowExceededError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 400, code: 'context_length_exceeded', isRetryable: false });
  });
});
