/**
 * Anthropic through the running gateway: the official `openai` client talks OpenAI to LlamaGate, a mock
 * upstream answers `/v1/messages` in Anthropic's own wire format from the adapter's recordings.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  bodyOf,
  type MockUpstream,
  readChunks,
  sendJson,
  sendStream,
  startMockUpstream,
} from '../../../src/test-support/mock-upstream.js';
import { anthropicReplay } from '../../../src/test-support/replay-anthropic.js';
import { type Harness, startGateway } from '../gateway-harness.js';
import {
  apiErrorOf,
  assembleStream,
  errorBody,
  fixtureDir,
  readJsonFixture,
  recordingClient,
  weatherTool,
} from './provider-e2e-support.js';

const fixtures = fixtureDir('anthropic');
const model = 'anthropic/claude-sonnet-4-5';

let upstream: MockUpstream;
let gateway: Harness;

beforeAll(async () => {
  upstream = await startMockUpstream();
  gateway = await startGateway({
    env: { ANTHROPIC_BASE_URL: `${upstream.url}/v1`, ANTHROPIC_API_KEY: 'sk-ant-test' },
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  gateway.gateway.context.cache?.clear();
});

function expectMessagesRequest(stream: boolean) {
  expect(upstream.requests).toHaveLength(1);
  const request = upstream.requests[0];
  expect(request?.path).toBe('/v1/messages');
  expect(request?.headers['x-api-key']).toBe('sk-ant-test');
  expect(request?.headers['anthropic-version']).toBeTruthy();
  const body = bodyOf(request);
  expect(body.model).toBe('claude-sonnet-4-5');
  expect(body.max_tokens).toBeTypeOf('number');
  expect(body.stream === true).toBe(stream);
  return body;
}

describe('anthropic through the gateway (Messages API upstream)', () => {
  it('answers a chat completion with the recorded text, finish reason and usage', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-text'));
    const completion = await gateway.client().chat.completions.create({
      model,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello, how are you?' },
      ],
    });
    const body = expectMessagesRequest(false);
    expect(body.system).toBe('Be brief.');
    expect(body.messages).toMatchInlineSnapshot(`
      [
        {
          "content": [
            {
              "text": "Hello, how are you?",
              "type": "text",
            },
          ],
          "role": "user",
        },
      ]
    `);
    expect(completion.choices[0]?.message.content).toBe(
      "Hello! I'm doing well, thanks for asking. How are you doing today? Is there anything I can help you with?",
    );
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 29, total_tokens: 41 });
  });

  it('streams SSE events as chunks: text, stop, one usage chunk last, then [DONE]', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-text'));
    const { client, bodies } = recordingClient(gateway);
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Hello, how are you?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const assembled = await assembleStream(stream);
    expectMessagesRequest(true);
    const recorded = readChunks('anthropic', 'anthropic-text.chunks.txt')
      .map((line) => JSON.parse(line) as { type: string; delta?: { type?: string; text?: string } })
      .filter((event) => event.delta?.type === 'text_delta')
      .map((event) => event.delta?.text)
      .join('');
    expect(assembled.text).toBe(recorded);
    expect(assembled.text.startsWith('Hello! I')).toBe(true);
    expect(assembled.finishReasons).toEqual(['stop']);
    expect(assembled.usageChunks).toHaveLength(1);
    expect(assembled.chunks.at(-1)?.choices).toEqual([]);
    expect(assembled.chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: 12,
      completion_tokens: 30,
      total_tokens: 42,
    });
    const raw = await bodies[0];
    expect(raw?.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('turns a tool_use block into an OpenAI tool call (non-streaming)', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-json-other-tool.1'));
    const completion = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'What is the weather in San Francisco?' }],
      tools: [weatherTool],
    });
    const body = expectMessagesRequest(false);
    expect(body.tools).toEqual([
      {
        name: 'weather',
        description: 'Current weather for a place',
        input_schema: weatherTool.function.parameters,
      },
    ]);
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.tool_calls).toEqual([
      {
        id: 'toolu_01PQjhxo3eirCdKNvCJrKc8f',
        type: 'function',
        function: { name: 'weather', arguments: '{"location":"San Francisco"}' },
      },
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 843, completion_tokens: 28 });
  });

  it('streams a tool call: id and name first, then the input_json deltas as arguments', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-json-other-tool.1'));
    const stream = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'What is the weather in San Francisco?' }],
      tools: [weatherTool],
      stream: true,
      stream_options: { include_usage: true },
    });
    const assembled = await assembleStream(stream);
    expectMessagesRequest(true);
    expect(assembled.toolCalls).toEqual([
      { id: 'toolu_019Zvehfe1XQWweT1pm7okyt', name: 'weather', arguments: '{"location": "San Francisco"}' },
    ]);
    expect(assembled.finishReasons).toEqual(['tool_calls']);
    expect(assembled.chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 843, completion_tokens: 28 });
  });

  it('answers embeddings with 400 embeddings_not_supported, without calling Anthropic', async () => {
    const error = await apiErrorOf(gateway.client().embeddings.create({ model, input: 'hello' }));
    expect(error.status).toBe(400);
    expect(errorBody(error)).toMatchObject({ type: 'invalid_request_error', code: 'embeddings_not_supported' });
    expect(upstream.requests).toHaveLength(0);
  });

  it('maps the recorded overloaded error (HTTP 529) to 503 service_unavailable', async () => {
    upstream.handle((_, response) =>
      sendJson(response, 529, readJsonFixture('anthropic', 'doc-anthropic-overloaded-error.json')),
    );
    const error = await apiErrorOf(
      gateway.client().chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(upstream.requests[0]?.path).toBe('/v1/messages');
    expect(error.status).toBe(503);
    expect(errorBody(error)).toMatchObject({ type: 'service_unavailable_error', code: 'service_unavailable' });
    expect(error.message).toContain('Overloaded');
  });

  it('maps the recorded prompt-too-long error to 400 context_length_exceeded', async () => {
    upstream.handle((_, response) =>
      sendJson(response, 400, readJsonFixture('anthropic', 'doc-anthropic-prompt-too-long-error.json')),
    );
    const error = await apiErrorOf(
      gateway.client().chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(error.status).toBe(400);
    expect(errorBody(error)).toMatchObject({ type: 'invalid_request_error', code: 'context_length_exceeded' });
    expect(error.message).toContain('prompt is too long');
  });

  it('reports an error event that arrives mid-stream as a final SSE error the client throws', async () => {
    upstream.handle((_, response) =>
      sendStream(response, readChunks('anthropic', 'doc-anthropic-stream-error.chunks.txt'), {
        format: 'sse',
        eventFromType: true,
      }),
    );
    const stream = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    let text = '';
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(text).toBe('Hello');
    expect(String((failure as Error | undefined)?.message)).toContain('Overloaded');
  });
});

describe('anthropic without credentials', () => {
  it('answers 401 naming ANTHROPIC_API_KEY and never calls the upstream', async () => {
    const bare = await startGateway({ env: { ANTHROPIC_BASE_URL: `${upstream.url}/v1` } });
    try {
      const error = await apiErrorOf(
        bare.client().chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }], stream: true }),
      );
      expect(error.status).toBe(401);
      expect(errorBody(error)).toMatchObject({ type: 'invalid_request_error', code: 'missing_credentials' });
      expect(error.message).toContain('ANTHROPIC_API_KEY');
      expect(upstream.requests).toHaveLength(0);
    } finally {
      await bare.close();
    }
  });
});
