/**
 * OpenAI's Responses API and legacy completions at the gateway, driven by the official `openai` client and the
 * AI SDK's default OpenAI provider, against an OpenAI-compatible mock (default backend) and an Ollama mock.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import type { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openaiBody, replyWith, sequence, streamWith } from '../../src/test-support/client-mocks.js';
import { bodyOf, type MockUpstream, sendJson, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { ollamaReplay } from '../../src/test-support/replay-ollama.js';
import { type Harness, startGateway } from './gateway-harness.js';

const ollamaFixtures = fileURLToPath(new URL('../../src/providers/ollama/__fixtures__', import.meta.url));

let upstream: MockUpstream;
let ollama: MockUpstream;
let gateway: Harness;

beforeAll(async () => {
  upstream = await startMockUpstream();
  ollama = await startMockUpstream(ollamaReplay(ollamaFixtures, 'doc-chat'));
  const dir = mkdtempSync(join(tmpdir(), 'lg-responses-'));
  const file = join(dir, 'llamagate.yaml');
  writeFileSync(
    file,
    `defaultBackend: local\nbackends:\n  - name: local\n    type: openai-compatible\n    config: { endpoint: "\${UPSTREAM}/v1", apiKey: "sk-up" }\n`,
  );
  gateway = await startGateway({
    env: { UPSTREAM: upstream.url, OLLAMA_HOST: ollama.url, LLAMAGATE_DATA_DIR: dir, CACHE_ENABLED: 'false' },
    configFile: file,
  });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
  await ollama.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  ollama.requests.length = 0;
  upstream.handle(replyWith({ content: 'Hello there' }));
});

const weatherReply = openaiBody({
  content: null,
  tool_calls: [{ id: 'call_w1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
});

describe('POST /v1/responses with the openai client', () => {
  it('answers with output items, output_text and usage, sending instructions and settings upstream', async () => {
    const response = await gateway.client().responses.create({
      model: 'grok-3-mini',
      instructions: 'Be brief',
      input: 'Say hello',
      max_output_tokens: 40,
      temperature: 0.3,
      metadata: { team: 'docs' },
    });
    expect(response.output_text).toBe('Hello there');
    expect(response.id).toMatch(/^resp_/);
    expect(response.status).toBe('completed');
    expect(response.metadata).toEqual({ team: 'docs' });
    expect(response.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: expect.any(Number) });
    expect(bodyOf(upstream.requests[0])).toMatchObject({
      model: 'grok-3-mini',
      messages: [
        { role: 'system', content: 'Be brief' },
        { role: 'user', content: 'Say hello' },
      ],
      max_tokens: 40,
      temperature: 0.3,
    });
  });

  it('streams the event grammar; the helpers give deltas and the final response', async () => {
    upstream.handle(streamWith(['Hel', 'lo']));
    const stream = gateway.client().responses.stream({ model: 'grok-3-mini', input: 'hi' });
    const deltas: string[] = [];
    const types: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    stream.on('event', (event) => types.push(event.type));
    const final = await stream.finalResponse();
    expect(deltas).toEqual(['Hel', 'lo']);
    expect(final.output_text).toBe('Hello');
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(types).toContain('response.content_part.done');
  });

  it('continues a conversation by previous_response_id and serves stored responses and input items', async () => {
    const client = gateway.client();
    const first = await client.responses.create({ model: 'grok-3-mini', input: 'My name is Ada.' });
    upstream.handle(replyWith({ content: 'Your name is Ada.' }));
    const second = await client.responses.create({
      model: 'grok-3-mini',
      input: 'What is my name?',
      previous_response_id: first.id,
    });
    expect(second.output_text).toBe('Your name is Ada.');
    expect(second.previous_response_id).toBe(first.id);
    expect(bodyOf(upstream.requests[1]).messages).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Hello there' },
      { role: 'user', content: 'What is my name?' },
    ]);
    const fetched = await client.responses.retrieve(second.id);
    expect(fetched.output_text).toBe('Your name is Ada.');
    const items = await client.responses.inputItems.list(second.id);
    expect(items.data.map((item) => (item.type === 'message' ? item.content : item.type))).toEqual([
      [{ type: 'input_text', text: 'What is my name?' }],
    ]);
    await client.responses.delete(first.id);
    const gone = await client.responses.retrieve(first.id).catch((error: APIError) => error);
    expect([(gone as APIError).status, (gone as APIError).message]).toEqual([
      404,
      `404 Response with id '${first.id}' not found.`,
    ]);
    const orphan = await client.responses
      .create({ model: 'grok-3-mini', input: 'x', previous_response_id: 'resp_missing' })
      .catch((error: APIError) => error);
    expect((orphan as APIError).status).toBe(404);
  });

  it('keeps nothing with store: false', async () => {
    const response = await gateway.client().responses.create({ model: 'grok-3-mini', input: 'x', store: false });
    const missing = await gateway
      .client()
      .responses.retrieve(response.id)
      .catch((error: APIError) => error);
    expect((missing as APIError).status).toBe(404);
  });

  it('round-trips a function call through function_call_output', async () => {
    upstream.handle(sequence((_, res) => sendJson(res, 200, weatherReply), replyWith({ content: '21°C in Oslo' })));
    const client = gateway.client();
    const tools = [
      {
        type: 'function' as const,
        name: 'weather',
        description: 'Weather of a city',
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        strict: true,
      },
    ];
    const first = await client.responses.create({ model: 'grok-3-mini', input: 'Weather in Oslo?', tools });
    const call = first.output.find((item) => item.type === 'function_call');
    expect(call).toMatchObject({
      type: 'function_call',
      name: 'weather',
      arguments: '{"city":"Oslo"}',
      call_id: 'call_w1',
    });
    const second = await client.responses.create({
      model: 'grok-3-mini',
      previous_response_id: first.id,
      input: [{ type: 'function_call_output', call_id: 'call_w1', output: '{"temp":21}' }],
      tools,
    });
    expect(second.output_text).toBe('21°C in Oslo');
    expect(bodyOf(upstream.requests[1]).messages).toMatchObject([
      { role: 'user', content: 'Weather in Oslo?' },
      {
        role: 'assistant',
        tool_calls: [{ id: 'call_w1', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_w1', content: '{"temp":21}' },
    ]);
  });

  it('asks for structured output and parses it', async () => {
    upstream.handle(replyWith({ content: '{"city":"Oslo","temp":21}' }));
    const response = await gateway.client().responses.parse({
      model: 'grok-3-mini',
      input: 'weather json',
      text: {
        format: {
          type: 'json_schema',
          name: 'weather',
          strict: true,
          schema: {
            type: 'object',
            properties: { city: { type: 'string' }, temp: { type: 'number' } },
            required: ['city', 'temp'],
            additionalProperties: false,
          },
        },
      },
    });
    expect(response.output_parsed).toEqual({ city: 'Oslo', temp: 21 });
    expect(bodyOf(upstream.requests[0]).response_format).toMatchObject({
      type: 'json_schema',
      json_schema: { name: 'weather' },
    });
  });

  it('names built-in tools it cannot run in a 400', async () => {
    const error = await gateway
      .client()
      .responses.create({ model: 'grok-3-mini', input: 'x', tools: [{ type: 'web_search_preview' }] })
      .catch((failure: APIError) => failure);
    expect((error as APIError).status).toBe(400);
    expect((error as APIError).message).toContain('web_search_preview (tools[0])');
    expect(upstream.requests).toHaveLength(0);
  });

  it('reaches an Ollama backend', async () => {
    const response = await gateway.client().responses.create({ model: 'ollama/llama3.2', input: 'hi' });
    expect(response.output_text).toBe('Hello! How are you today?');
    expect(response.usage).toMatchObject({ input_tokens: 26, output_tokens: 298 });
    expect(ollama.requests[0]?.path).toBe('/api/chat');
  });
});

describe('the AI SDK default openai provider (Responses API)', () => {
  const provider = () => createOpenAI({ baseURL: gateway.baseURL, apiKey: 'unused' });

  it('generates text', async () => {
    const result = await generateText({ model: provider()('grok-3-mini'), prompt: 'Say hello' });
    expect(result.text).toBe('Hello there');
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(upstream.requests[0]?.path).toBe('/v1/chat/completions');
  });

  it('streams text', async () => {
    upstream.handle(streamWith(['Hel', 'lo']));
    const result = streamText({ model: provider()('grok-3-mini'), prompt: 'hi' });
    let text = '';
    for await (const delta of result.textStream) text += delta;
    expect(text).toBe('Hello');
    expect(await result.finishReason).toBe('stop');
  });

  it('runs a tool loop over two calls', async () => {
    upstream.handle(sequence((_, res) => sendJson(res, 200, weatherReply), replyWith({ content: 'It is 21°C.' })));
    const result = await generateText({
      model: provider()('grok-3-mini'),
      prompt: 'Weather in Oslo?',
      tools: {
        weather: tool({
          description: 'Weather of a city',
          inputSchema: jsonSchema<{ city: string }>({
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
          }),
          execute: async ({ city }) => ({ city, temp: 21 }),
        }),
      },
      stopWhen: stepCountIs(2),
    });
    expect(result.text).toBe('It is 21°C.');
    expect(bodyOf(upstream.requests[1]).messages).toMatchObject([
      { role: 'user', content: 'Weather in Oslo?' },
      { role: 'assistant', tool_calls: [{ id: 'call_w1' }] },
      { role: 'tool', tool_call_id: 'call_w1', content: '{"city":"Oslo","temp":21}' },
    ]);
  });
});

describe('POST /v1/completions with the openai client', () => {
  it('completes a prompt', async () => {
    upstream.handle(replyWith({ content: 'This is a test.' }));
    const completion = await gateway
      .client()
      .completions.create({ model: 'grok-3-mini', prompt: 'Say this is a test', max_tokens: 7 });
    expect(completion.object).toBe('text_completion');
    expect(completion.choices[0]?.text).toBe('This is a test.');
    expect(bodyOf(upstream.requests[0])).toMatchObject({
      messages: [{ role: 'user', content: 'Say this is a test' }],
      max_tokens: 7,
    });
  });

  it('streams chunks and refuses echo with a 400', async () => {
    upstream.handle(streamWith(['This', ' is']));
    const stream = await gateway.client().completions.create({ model: 'grok-3-mini', prompt: 'x', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe('This is');
    const error = await gateway
      .client()
      .completions.create({ model: 'grok-3-mini', prompt: 'x', echo: true })
      .catch((failure: APIError) => failure);
    expect([(error as APIError).status, (error as APIError).code]).toEqual([400, 'invalid_request']);
  });
});
