/**
 * Ollama through the running gateway with the `ollama/<model>` prefix, driven by the official `openai` client;
 * the mock upstream answers `/api/chat` (JSON, or NDJSON streams) and `/api/embed` in Ollama's native format
 * from the adapter's doc-built recordings. Ollama is pointed at the mock with OLLAMA_HOST.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bodyOf, type MockUpstream, sendJson, startMockUpstream } from '../../../src/test-support/mock-upstream.js';
import { ollamaReplay } from '../../../src/test-support/replay-ollama.js';
import { type Harness, startGateway } from '../gateway-harness.js';
import {
  apiErrorOf,
  assembleStream,
  errorBody,
  fixtureDir,
  readJsonFixture,
  recordingClient,
} from './provider-e2e-support.js';

const fixtures = fixtureDir('ollama');
const model = 'ollama/llama3.2';
const getWeather = {
  type: 'function' as const,
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

let upstream: MockUpstream;
let gateway: Harness;

beforeAll(async () => {
  upstream = await startMockUpstream();
  gateway = await startGateway({ env: { OLLAMA_HOST: upstream.url } });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  gateway.gateway.context.cache?.clear();
});

function expectChatRequest(stream: boolean) {
  expect(upstream.requests).toHaveLength(1);
  const request = upstream.requests[0];
  expect(request?.path).toBe('/api/chat');
  const body = bodyOf(request);
  expect(body.model).toBe('llama3.2');
  expect(body.stream).toBe(stream);
  return body;
}

describe('ollama through the gateway (native /api/chat upstream)', () => {
  it('answers a chat completion (doc-chat.json)', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-chat'));
    const completion = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'why is the sky blue?' }],
      max_tokens: 64,
    });
    expect(expectChatRequest(false)).toMatchObject({
      messages: [{ role: 'user', content: 'why is the sky blue?' }],
      options: { num_predict: 64 },
    });
    expect(completion.choices[0]?.message.content).toBe('Hello! How are you today?');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: 26, completion_tokens: 298, total_tokens: 324 });
  });

  it('streams NDJSON as SSE chunks, usage last, then [DONE] (doc-chat.chunks.txt)', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-chat'));
    const { client, bodies } = recordingClient(gateway);
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'why is the sky blue?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const assembled = await assembleStream(stream);
    expectChatRequest(true);
    expect(assembled.text).toBe('The');
    expect(assembled.finishReasons).toEqual(['stop']);
    expect(assembled.usageChunks).toHaveLength(1);
    expect(assembled.chunks.at(-1)?.choices).toEqual([]);
    expect(assembled.chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: 26,
      completion_tokens: 282,
      total_tokens: 308,
    });
    expect((await bodies[0])?.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('answers a tool call with arguments as a JSON string (doc-tool-call.json)', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-tool-call'));
    const completion = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'What is the weather in Tokyo?' }],
      tools: [getWeather],
    });
    const body = expectChatRequest(false);
    expect(body.tools).toEqual([
      expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'get_weather' }) }),
    ]);
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.message.tool_calls).toHaveLength(1);
    expect(call?.id).toMatch(/\S/);
    expect(call?.type === 'function' ? call.function : undefined).toEqual({
      name: 'get_weather',
      arguments: '{"city":"Tokyo"}',
    });
    // Ollama says done_reason "stop" even for tool calls; OpenAI clients expect tool_calls.
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.usage).toMatchObject({ prompt_tokens: 169, completion_tokens: 18 });
  });

  it('streams a tool call (doc-tool-call.chunks.txt)', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-tool-call'));
    const stream = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'What is the weather in Tokyo?' }],
      tools: [getWeather],
      stream: true,
      stream_options: { include_usage: true },
    });
    const assembled = await assembleStream(stream);
    expectChatRequest(true);
    expect(assembled.toolCalls).toHaveLength(1);
    expect(assembled.toolCalls[0]?.id).toMatch(/\S/);
    expect(assembled.toolCalls[0]).toMatchObject({ name: 'get_weather', arguments: '{"city":"Tokyo"}' });
    expect(assembled.finishReasons).toEqual(['tool_calls']);
    expect(assembled.chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 169, completion_tokens: 15 });
  });

  it('serves embeddings through /api/embed (doc-embed.json)', async () => {
    const recorded = readJsonFixture('ollama', 'doc-embed.json') as { embeddings: number[][] };
    upstream.handle((_, response) => sendJson(response, 200, recorded));
    const result = await gateway.client().embeddings.create({
      model: 'ollama/all-minilm',
      input: 'Why is the sky blue?',
      encoding_format: 'float',
    });
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]?.path).toBe('/api/embed');
    expect(bodyOf(upstream.requests[0])).toMatchObject({ model: 'all-minilm', input: ['Why is the sky blue?'] });
    expect(result.data.map((item) => item.embedding)).toEqual(recorded.embeddings);
    expect(result.usage.prompt_tokens).toBe(8);
  });

  it('maps the recorded model-not-found answer (404) to 404 model_not_found', async () => {
    upstream.handle((_, response) => sendJson(response, 404, readJsonFixture('ollama', 'doc-model-not-found.json')));
    const error = await apiErrorOf(
      gateway
        .client()
        .chat.completions.create({ model: 'ollama/nonexistent', messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(upstream.requests[0]?.path).toBe('/api/chat');
    expect(error.status).toBe(404);
    expect(errorBody(error)).toMatchObject({ type: 'not_found_error', code: 'model_not_found' });
    expect(error.message).toContain("model 'nonexistent' not found");
  });
});
