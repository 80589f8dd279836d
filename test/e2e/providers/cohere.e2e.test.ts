/**
 * Cohere through the running gateway, driven by the official `openai` client; the mock upstream answers
 * `/v2/chat` (JSON, or SSE with `event:` lines) and `/v2/embed` in Cohere's API v2 format from the adapter's
 * recordings. Cohere is pointed at the mock with COHERE_BASE_URL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bodyOf, type MockUpstream, readChunks, startMockUpstream } from '../../../src/test-support/mock-upstream.js';
import { cohereReplay } from '../../../src/test-support/replay-cohere.js';
import { type Harness, startGateway } from '../gateway-harness.js';
import { assembleStream, fixtureDir, readJsonFixture, recordingClient, weatherTool } from './provider-e2e-support.js';

const fixtures = fixtureDir('cohere');
const model = 'cohere/command-a-03-2025';
const cityAttractions = {
  type: 'function' as const,
  function: { name: 'cityAttractions', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

let upstream: MockUpstream;
let gateway: Harness;

beforeAll(async () => {
  upstream = await startMockUpstream();
  gateway = await startGateway({ env: { COHERE_BASE_URL: `${upstream.url}/v2`, COHERE_API_KEY: 'co-test-key' } });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  gateway.gateway.context.cache?.clear();
});

function expectNativeRequest(path: string) {
  expect(upstream.requests).toHaveLength(1);
  const request = upstream.requests[0];
  expect(request?.method).toBe('POST');
  expect(request?.path).toBe(path);
  expect(request?.headers.authorization).toBe('Bearer co-test-key');
  return bodyOf(request);
}

describe('cohere through the gateway (API v2 upstream)', () => {
  it('answers a chat completion through /v2/chat (cohere-text.json)', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-text'));
    const completion = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
      temperature: 0.2,
    });
    const body = expectNativeRequest('/v2/chat');
    expect(body).toMatchObject({
      model: 'command-a-03-2025',
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
      temperature: 0.2,
    });
    expect(body.stream).not.toBe(true);
    expect(completion.choices[0]?.message.content).toBe('The capital of France is Paris.');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    // `tokens` (what the model processed), not `billed_units`; 448 of the 507 came from the cache.
    expect(completion.usage).toMatchObject({
      prompt_tokens: 507,
      completion_tokens: 10,
      total_tokens: 517,
      prompt_tokens_details: { cached_tokens: 448 },
    });
  });

  it('maps MAX_TOKENS to finish_reason length (cohere-max-tokens.json)', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-max-tokens'));
    const completion = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Write the history of Rome.' }],
      max_tokens: 5,
    });
    expect(expectNativeRequest('/v2/chat').max_tokens).toBe(5);
    expect(completion.choices[0]?.message.content).toBe('**The History of');
    expect(completion.choices[0]?.finish_reason).toBe('length');
  });

  it('streams /v2/chat SSE events as chunks, usage last, then [DONE] (cohere-text.chunks.txt)', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-text'));
    const { client, bodies } = recordingClient(gateway);
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'What is the capital of France?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const assembled = await assembleStream(stream);
    expect(expectNativeRequest('/v2/chat').stream).toBe(true);
    const recorded = readChunks('cohere', 'cohere-text.chunks.txt')
      .map((line) => JSON.parse(line) as { type: string; delta?: { message?: { content?: { text?: string } } } })
      .filter((event) => event.type === 'content-delta')
      .map((event) => event.delta?.message?.content?.text ?? '')
      .join('');
    expect(assembled.text).toBe(recorded);
    expect(assembled.text).toContain('Paris');
    expect(assembled.finishReasons).toEqual(['stop']);
    expect(assembled.usageChunks).toHaveLength(1);
    expect(assembled.chunks.at(-1)?.choices).toEqual([]);
    expect(assembled.chunks.at(-1)?.usage).toMatchObject({
      prompt_tokens: 507,
      completion_tokens: 10,
      total_tokens: 517,
    });
    expect((await bodies[0])?.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('answers two tool calls with Cohere ids and JSON string arguments (cohere-tool-call.json)', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-tool-call'));
    const completion = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Weather and attractions in San Francisco?' }],
      tools: [weatherTool, cityAttractions],
    });
    const body = expectNativeRequest('/v2/chat');
    expect(body.tools).toEqual([
      expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'weather' }) }),
      expect.objectContaining({ type: 'function', function: expect.objectContaining({ name: 'cityAttractions' }) }),
    ]);
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message.tool_calls).toEqual([
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
    ]);
    expect(completion.usage).toMatchObject({ prompt_tokens: 1549, completion_tokens: 103 });
  });

  it('streams two tool calls assembled from tool-call-start / tool-call-delta events', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-tool-call'));
    const stream = await gateway.client().chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Weather and attractions in San Francisco?' }],
      tools: [weatherTool, cityAttractions],
      stream: true,
      stream_options: { include_usage: true },
    });
    const assembled = await assembleStream(stream);
    expectNativeRequest('/v2/chat');
    expect(assembled.toolCalls).toEqual([
      { id: 'weather_e8p4pn45zt0t', name: 'weather', arguments: '{"location": "San Francisco"}' },
      { id: 'cityAttractions_pyxssbwnq9fq', name: 'cityAttractions', arguments: '{"city": "San Francisco"}' },
    ]);
    expect(assembled.finishReasons).toEqual(['tool_calls']);
    expect(assembled.chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 1549, completion_tokens: 95 });
  });

  it('serves embeddings through /v2/embed (cohere-embedding.json)', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-embedding'));
    const recorded = readJsonFixture('cohere', 'cohere-embedding.json') as { embeddings: { float: number[][] } };
    const result = await gateway.client().embeddings.create({
      model: 'cohere/embed-english-v3.0',
      input: ['sunny day at the beach', 'rainy day in the city'],
      encoding_format: 'float',
    });
    const body = expectNativeRequest('/v2/embed');
    expect(body).toMatchObject({
      model: 'embed-english-v3.0',
      texts: ['sunny day at the beach', 'rainy day in the city'],
      embedding_types: ['float'],
    });
    expect(result.data.map((item) => item.embedding)).toEqual(recorded.embeddings.float);
    expect(result.usage.prompt_tokens).toBe(10);
  });
});
