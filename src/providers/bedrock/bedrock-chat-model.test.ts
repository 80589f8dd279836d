import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ContextWindowExceededError,
  ModelNotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServiceUnavailableError,
} from '../../spec/errors.js';
import { type MockUpstream, sendJson, startMockUpstream } from '../../test-support/mock-upstream.js';
import { bedrockReplay } from '../../test-support/replay-bedrock.js';
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

const provider = () =>
  createBedrock({
    baseURL: upstream.url,
    region: 'us-east-1',
    accessKeyId: 'AKIDEXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    env: {},
  });
/** The JSON body of the first recorded request. */
function sentBody<T = Record<string, unknown>>(): T {
  const body = upstream.requests[0]?.body;
  if (typeof body !== 'object' || body === null) throw new Error('no JSON request body was recorded');
  return body as T;
}
const claude = () => provider().chatModel('anthropic.claude-3-5-sonnet-20240620-v1:0');
const ask = (content: string) => [{ role: 'user' as const, content }];

const weatherTool = {
  type: 'function' as const,
  function: {
    name: 'get-weather',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};

describe('bedrock chat: Converse (recorded traffic)', () => {
  it('sends a Converse body and translates a recorded text answer', async () => {
    upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-text'));
    const result = await claude().generate({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'How many r in strawberry?' },
      ],
      maxTokens: 100,
      temperature: 0,
      topP: 0.9,
      stop: ['END'],
    });
    expect(upstream.requests[0]?.path).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "inferenceConfig": {
          "maxTokens": 100,
          "stopSequences": [
            "END",
          ],
          "temperature": 0,
          "topP": 0.9,
        },
        "messages": [
          {
            "content": [
              {
                "text": "How many r in strawberry?",
              },
            ],
            "role": "user",
          },
        ],
        "system": [
          {
            "text": "Be brief.",
          },
        ],
      }
    `);
    expect(result.id).toBe('replay-request-id');
    expect(result.choices[0]?.message.content).toBe(
      'Let me count the "r"s in "strawberry":\n\ns-t-**r**-a-w-b-e-**r**-**r**-y\n\nThere are **3** "r"s in "strawberry."',
    );
    expect(result.choices[0]).toMatchObject({ finishReason: 'stop', rawFinishReason: 'end_turn' });
    expect(result.usage).toEqual({ promptTokens: 22, completionTokens: 57, totalTokens: 79, cachedTokens: 0 });
    expect(result.warnings).toEqual([]);
  });

  it('translates recorded reasoning and asks Claude for a thinking budget', async () => {
    upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-reasoning'));
    const result = await provider()
      .chatModel('us.anthropic.claude-3-7-sonnet-20250219-v1:0')
      .generate({ messages: ask('How many r in strawberry?'), reasoningEffort: 'low', temperature: 0.5 });
    const body = sentBody();
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2048 } });
    expect(body.inferenceConfig).toEqual({ maxTokens: 4096 + 2048 });
    expect(result.warnings).toEqual([expect.objectContaining({ setting: 'temperature' })]);
    expect(result.choices[0]?.message.reasoningContent).toBe(
      'Let me count the r\'s in "strawberry":\n\ns-t-r-a-w-b-e-r-r-y\n\nThere are 3 r\'s.',
    );
    expect(result.choices[0]?.message.content).toBe(
      'There are **3** r\'s in "strawberry":\n\n1. st**r**awbe**r****r**y',
    );
  });

  it('warns instead of sending reasoning settings to models that take none', async () => {
    upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-text'));
    const result = await provider()
      .chatModel('amazon.nova-pro-v1:0')
      .generate({
        messages: ask('x'),
        reasoningEffort: 'high',
        seed: 1,
        frequencyPenalty: 0.5,
        presencePenalty: 0.5,
        n: 2,
        logprobs: true,
        temperature: 1.5,
      });
    const body = sentBody();
    expect(body.additionalModelRequestFields).toBeUndefined();
    expect(body.inferenceConfig).toEqual({ temperature: 1 });
    expect(result.warnings.map((warning) => warning.setting)).toEqual([
      'temperature',
      'seed',
      'frequency_penalty',
      'presence_penalty',
      'n',
      'logprobs',
      'reasoning_effort',
    ]);
  });

  it('sends tools and translates a recorded tool call, keeping the Bedrock id', async () => {
    upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-tool-call.1'));
    const result = await claude().generate({
      messages: ask('list files'),
      tools: [{ type: 'function', function: { name: 'bash', parameters: { type: 'object' } } }],
      toolChoice: 'required',
    });
    expect(sentBody().toolConfig).toMatchInlineSnapshot(`
      {
        "toolChoice": {
          "any": {},
        },
        "tools": [
          {
            "toolSpec": {
              "inputSchema": {
                "json": {
                  "type": "object",
                },
              },
              "name": "bash",
            },
          },
        ],
      }
    `);
    expect(result.choices[0]).toMatchObject({
      finishReason: 'tool_calls',
      rawFinishReason: 'tool_use',
      message: {
        content: null,
        toolCalls: [
          { id: 'tool-use-id', type: 'function', function: { name: 'bash', arguments: '{"command":"ls -l"}' } },
        ],
      },
    });
    expect(result.usage).toEqual({ promptTokens: 10, completionTokens: 20, totalTokens: 30 });
  });

  it('translates a recorded tool call without arguments to "{}" next to the text', async () => {
    upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-tool-no-args'));
    const result = await claude().generate({
      messages: ask('update'),
      tools: [{ type: 'function', function: { name: 'updateIssueList' } }],
      toolChoice: { type: 'function', function: { name: 'updateIssueList' } },
    });
    const toolConfig = sentBody<{ toolConfig: Record<string, unknown> }>().toolConfig;
    expect(toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'updateIssueList', inputSchema: { json: { type: 'object', properties: {} } } } }],
      toolChoice: { tool: { name: 'updateIssueList' } },
    });
    expect(result.choices[0]?.message).toEqual({
      role: 'assistant',
      content: "I'll update the issue list for you.",
      toolCalls: [{ id: 'tool-use-id', type: 'function', function: { name: 'updateIssueList', arguments: '{}' } }],
    });
  });

  it('answers json_schema through a forced tool, returned as content with finish "stop"', async () => {
    upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-json-tool.1'));
    const schema = { type: 'object', properties: { elements: { type: 'array' } } };
    const result = await claude().generate({
      messages: ask('weather as JSON'),
      responseFormat: { type: 'json_schema', json_schema: { name: 'weather', schema } },
    });
    expect(sentBody().toolConfig).toEqual({
      tools: [
        {
          toolSpec: {
            name: 'json',
            description: 'Respond with a JSON object matching the schema.',
            inputSchema: { json: schema },
          },
        },
      ],
      toolChoice: { tool: { name: 'json' } },
    });
    const choice = result.choices[0];
    expect(choice).toMatchObject({ finishReason: 'stop', rawFinishReason: 'tool_use' });
    expect(choice?.message.toolCalls).toBeUndefined();
    expect(JSON.parse(choice?.message.content ?? '')).toEqual({
      elements: [
        { location: 'San Francisco', temperature: -5, condition: 'snowy' },
        { location: 'London', temperature: 0, condition: 'snowy' },
      ],
    });
  });

  it('keeps only the JSON when the model talks before the json tool (json_object)', async () => {
    upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-json-tool.3'));
    const result = await claude().generate({ messages: ask('x'), responseFormat: { type: 'json_object' } });
    expect(sentBody<{ toolConfig: { tools: unknown[] } }>().toolConfig.tools).toEqual([
      {
        toolSpec: {
          name: 'json',
          description: 'Respond with a JSON object.',
          inputSchema: { json: { type: 'object' } },
        },
      },
    ]);
    expect(result.choices[0]?.message.content).toBe('{"result":42}');
    expect(result.choices[0]?.finishReason).toBe('stop');
  });

  it('offers the caller tools next to the json tool and reports a real tool call as such', async () => {
    upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-json-other-tool.1'));
    const result = await claude().generate({
      messages: ask('weather in SF as JSON'),
      tools: [weatherTool],
      responseFormat: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } },
    });
    const toolConfig = sentBody<{ toolConfig: { tools: Array<{ toolSpec: { name: string } }> } }>().toolConfig;
    expect(toolConfig.tools.map((tool) => tool.toolSpec.name)).toEqual(['get-weather', 'json']);
    expect(toolConfig).toMatchObject({ toolChoice: { any: {} } });
    expect(result.choices[0]).toMatchObject({
      finishReason: 'tool_calls',
      message: {
        content: null,
        toolCalls: [
          {
            id: 'toolu_01PQjhxo3eirCdKNvCJrKc8f',
            function: { name: 'get-weather', arguments: '{"location":"San Francisco"}' },
          },
        ],
      },
    });
  });

  it('returns both the tool calls and the JSON when the model did both', async () => {
    upstream.handle(bedrockReplay(fixtures, 'amazon-bedrock-json-with-tools.1'));
    const result = await claude().generate({
      messages: ask('x'),
      tools: [weatherTool],
      responseFormat: { type: 'json_object' },
    });
    expect(result.choices[0]?.message.content).toBe('{"final":"result"}');
    expect(result.choices[0]?.message.toolCalls?.map((call) => call.id)).toEqual(['tool-1', 'tool-2']);
    expect(result.choices[0]?.finishReason).toBe('tool_calls');
  });
});

describe('bedrock chat: upstream errors', () => {
  const failWith = (status: number, errorType: string, message: string, headers: Record<string, string> = {}) =>
    upstream.handle((_, res) =>
      sendJson(
        res,
        status,
        { message },
        { 'x-amzn-errortype': `${errorType}:http://internal.amazon.com/coral/com.amazon.bedrock/`, ...headers },
      ),
    );
  const failure = () =>
    claude()
      .generate({ messages: ask('x') })
      .catch((error: unknown) => error);

  it('maps ThrottlingException (429) to a retryable RateLimitError', async () => {
    failWith(429, 'ThrottlingException', 'Too many requests, please wait before trying again.', { 'retry-after': '3' });
    const error = await failure();
    expect(RateLimitError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 429, isRetryable: true, retryAfter: 3 });
    expect((error as Error).message).toContain('Too many requests');
  });

  it('maps a too-long ValidationException to ContextWindowExceededError', async () => {
    failWith(400, 'ValidationException', 'Input is too long for requested model.');
    const error = await failure();
    expect(ContextWindowExceededError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ status: 400, code: 'context_length_exceeded', isRetryable: false });
  });

  it('maps AccessDenied, ModelNotReady, ServiceUnavailable, ResourceNotFound and bad signatures', async () => {
    failWith(403, 'AccessDeniedException', "You don't have access to the model with the specified model ID.");
    const denied = await failure();
    expect(PermissionDeniedError.isInstance(denied)).toBe(true);
    expect(denied).toMatchObject({ status: 403 });

    failWith(429, 'ModelNotReadyException', 'Model is not ready for inference.');
    const notReady = await failure();
    expect(ServiceUnavailableError.isInstance(notReady)).toBe(true);
    expect(notReady).toMatchObject({ status: 503, isRetryable: true });

    failWith(503, 'ServiceUnavailableException', 'Service unavailable');
    expect(ServiceUnavailableError.isInstance(await failure())).toBe(true);

    failWith(404, 'ResourceNotFoundException', 'Model not found');
    expect(ModelNotFoundError.isInstance(await failure())).toBe(true);

    failWith(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
    const badKey = await failure();
    expect(AuthenticationError.isInstance(badKey)).toBe(true);
    expect(badKey).toMatchObject({ status: 401 });
  });
});
