import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../spec/chat.js';
import { AuthenticationError, BadRequestError, InsufficientQuotaError } from '../../spec/errors.js';
import {
  collect,
  type MockUpstream,
  readFixture,
  sendJson,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { openaiReplay } from '../../test-support/replay-openai.js';
import { openaiDefinition } from './index.js';
import { createOpenAI } from './openai-provider.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const env = () => ({
  OPENAI_API_KEY: 'sk-test',
  OPENAI_ORG_ID: 'org-test',
  OPENAI_PROJECT_ID: 'proj_test',
  OPENAI_BASE_URL: `${upstream.url}/v1`,
});
const provider = () => openaiDefinition.create({ env: env() });

/** Answers like OpenAI does for a reasoning model: legacy and sampling parameters are rejected with a 400. */
function reasoningModelUpstream() {
  upstream.handle((request, res) => {
    const body = request.body as Record<string, unknown>;
    if ('max_tokens' in body)
      return sendJson(res, 400, readFixture('openai', 'reasoning-model-legacy-parameter-error.json'));
    if ('temperature' in body)
      return sendJson(res, 400, readFixture('openai', 'reasoning-model-temperature-error.json'));
    return openaiReplay(fixtures, 'openai-text')(request, res);
  });
}

describe('openai chat (recorded OpenAI traffic)', () => {
  it('posts to /chat/completions with bearer, organization and project headers and translates the recording', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-text'));
    const result = await provider()
      .chatModel('gpt-4.1-nano')
      .generate({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Invent a holiday.' },
        ],
        maxTokens: 400,
        temperature: 0.5,
      });
    const request = upstream.requests[0];
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(request?.headers['openai-organization']).toBe('org-test');
    expect(request?.headers['openai-project']).toBe('proj_test');
    expect(request?.body).toMatchInlineSnapshot(`
      {
        "max_tokens": 400,
        "messages": [
          {
            "content": "Be brief.",
            "role": "system",
          },
          {
            "content": "Invent a holiday.",
            "role": "user",
          },
        ],
        "model": "gpt-4.1-nano",
        "temperature": 0.5,
      }
    `);
    expect(result).toMatchObject({
      id: 'chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU',
      model: 'gpt-4.1-nano-2025-04-14',
      provider: 'openai',
      systemFingerprint: 'fp_de604bd877',
      warnings: [],
    });
    expect(result.choices[0]?.message.content).toMatch(/^\*\*Holiday Name:\*\* Galaxy Day/);
    expect(result.choices[0]).toMatchObject({ finishReason: 'stop', rawFinishReason: 'stop' });
    expect(result.usage).toEqual({
      promptTokens: 16,
      completionTokens: 363,
      totalTokens: 379,
      cachedTokens: 0,
      reasoningTokens: 0,
    });
  });

  it('forwards a client body for a classic model byte for byte', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-text'));
    const raw = Buffer.from('{"model":"gpt-4.1-nano","messages":[{"role":"user","content":"hi"}],"max_tokens":5}');
    const openaiBody = JSON.parse(raw.toString()) as Record<string, unknown>;
    await provider()
      .chatModel('gpt-4.1-nano')
      .generate(
        { messages: [{ role: 'user', content: 'hi' }] },
        { passthrough: { format: 'openai-chat', body: openaiBody, bytes: raw } },
      );
    expect(upstream.requests[0]?.rawBody.equals(raw)).toBe(true);
  });

  it('turns the errors OpenAI records for reasoning models into a request it accepts, with warnings', async () => {
    reasoningModelUpstream();
    const messages: ChatMessage[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Invent a holiday.' },
    ];
    const result = await provider()
      .chatModel('o4-mini')
      .generate({ messages, maxTokens: 300, temperature: 0.2, topP: 0.9, frequencyPenalty: 1, reasoningEffort: 'low' });
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "max_completion_tokens": 300,
        "messages": [
          {
            "content": "Be brief.",
            "role": "developer",
          },
          {
            "content": "Invent a holiday.",
            "role": "user",
          },
        ],
        "model": "o4-mini",
        "reasoning_effort": "low",
      }
    `);
    expect(result.warnings.map((w) => w.setting)).toEqual(['temperature', 'top_p', 'frequency_penalty']);
    expect(result.choices[0]?.finishReason).toBe('stop');
    // The caller's messages stay untouched.
    expect(messages[0]?.role).toBe('system');
  });

  it('adjusts a forwarded client body for gpt-5 the same way', async () => {
    reasoningModelUpstream();
    const openaiBody = {
      model: 'gpt-5-mini',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 50,
      temperature: 0,
      logprobs: true,
    };
    const raw = Buffer.from(JSON.stringify(openaiBody));
    const result = await provider()
      .chatModel('gpt-5-mini')
      .generate(
        { messages: [{ role: 'user', content: 'hi' }] },
        { passthrough: { format: 'openai-chat', body: openaiBody, bytes: raw } },
      );
    expect(upstream.requests[0]?.body).toEqual({
      model: 'gpt-5-mini',
      messages: [{ role: 'user', content: 'hi' }],
      max_completion_tokens: 50,
    });
    expect(result.warnings.map((w) => w.setting)).toEqual(['temperature', 'logprobs']);
  });

  it('keeps sampling parameters for gpt-5.1 with reasoning switched off', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-text'));
    const openaiBody = { model: 'gpt-5.1', messages: [], reasoning_effort: 'none', temperature: 0.3 };
    const result = await provider()
      .chatModel('gpt-5.1')
      .generate({ messages: [] }, { passthrough: { format: 'openai-chat', body: openaiBody } });
    expect(upstream.requests[0]?.body).toMatchObject({ temperature: 0.3, reasoning_effort: 'none' });
    expect(result.warnings).toEqual([]);
  });

  it('maps the recorded reasoning-model rejection to a 400 when a request reaches OpenAI unadjusted', async () => {
    reasoningModelUpstream();
    const failure = await provider()
      .chatModel('gpt-4.1-nano')
      .generate({ messages: [{ role: 'user', content: 'x' }], temperature: 1 })
      .catch((e: unknown) => e);
    expect(BadRequestError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 400, isRetryable: false });
    expect((failure as Error).message).toContain("Unsupported parameter: 'temperature'");
  });

  it('streams the recorded chat completion as typed parts with usage last', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-text'));
    const stream = await provider()
      .chatModel('gpt-4.1-nano')
      .stream({ messages: [{ role: 'user', content: 'Invent a holiday.' }] });
    const parts = await collect(stream.parts);
    expect(upstream.requests[0]?.headers.accept).toBe('text/event-stream');
    expect(upstream.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(parts[0]).toEqual({
      type: 'response-metadata',
      id: 'chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0',
      model: 'gpt-4.1-nano-2025-04-14',
      created: 1770933892,
      systemFingerprint: 'fp_de604bd877',
    });
    const text = parts.flatMap((p) => (p.type === 'text-delta' ? [p.delta] : [])).join('');
    expect(text).toMatch(/^\*\*Holiday Name:\*\*/);
    expect(text).toMatch(/respect\.$/);
    expect(parts.at(-2)).toEqual({ type: 'finish', choiceIndex: 0, finishReason: 'stop', rawFinishReason: 'stop' });
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { promptTokens: 16, completionTokens: 300, totalTokens: 316, cachedTokens: 0, reasoningTokens: 0 },
    });
  });

  it('returns reasoning-model warnings on a stream before any part', async () => {
    reasoningModelUpstream();
    const stream = await provider()
      .chatModel('o3')
      .stream({ messages: [{ role: 'user', content: 'x' }], maxTokens: 10, presencePenalty: 0.5 });
    expect(stream.warnings.map((w) => w.setting)).toEqual(['presence_penalty']);
    expect(upstream.requests[0]?.body).toMatchObject({ max_completion_tokens: 10 });
    const parts = await collect(stream.parts);
    expect(parts.some((p) => p.type === 'error')).toBe(false);
  });

  it('maps the recorded insufficient_quota error to a non-retryable quota error', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-error.1', { status: 429 }));
    const failure = await provider()
      .chatModel('gpt-4.1-nano')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(InsufficientQuotaError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 429, code: 'insufficient_quota', isRetryable: false });
  });

  it('fails fast naming OPENAI_API_KEY, without a network call', async () => {
    const keyless = createOpenAI({ env: {}, baseURL: upstream.url });
    const failure = await keyless
      .chatModel('gpt-4.1')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'missing_credentials', status: 401 });
    expect((failure as Error).message).toContain('OPENAI_API_KEY');
    expect(upstream.requests).toHaveLength(0);
  });

  it('prefers an explicit base URL over OPENAI_BASE_URL', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-text'));
    const custom = openaiDefinition.create({
      env: { ...env(), OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' },
      baseURL: `${upstream.url}/proxy/v1/`,
      options: { organization: 'org-yaml' },
    });
    await custom.chatModel('gpt-4o').generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(upstream.requests[0]?.path).toBe('/proxy/v1/chat/completions');
    expect(upstream.requests[0]?.headers['openai-organization']).toBe('org-yaml');
  });
});

describe('openai embeddings (recorded)', () => {
  it('sends dimensions to text-embedding-3 and returns vectors in order', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-embedding'));
    const model = provider().embeddingModel('text-embedding-3-small');
    expect(model.maxEmbeddingsPerCall).toBe(2048);
    const result = await model.embed({ input: ['sunny day at the beach', 'rainy day in the city'], dimensions: 5 });
    expect(upstream.requests[0]?.path).toBe('/v1/embeddings');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "dimensions": 5,
        "encoding_format": "float",
        "input": [
          "sunny day at the beach",
          "rainy day in the city",
        ],
        "model": "text-embedding-3-small",
      }
    `);
    expect(result.embeddings).toEqual([
      [0.0057293195, -0.012727811, 0.020042092, -0.013437585, 0.022833068],
      [-0.037104916, -0.05178114, -0.008340587, 0.001164541, -0.0035253682],
    ]);
    expect(result.usage).toEqual({ promptTokens: 12, totalTokens: 12 });
    expect(result.warnings).toEqual([]);
  });

  it('drops dimensions for text-embedding-ada-002 with a warning', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-embedding'));
    const result = await provider()
      .embeddingModel('text-embedding-ada-002')
      .embed({ input: ['a', 'b'], dimensions: 5 });
    expect(upstream.requests[0]?.body).not.toHaveProperty('dimensions');
    expect(result.warnings).toMatchObject([{ type: 'unsupported-setting', setting: 'dimensions' }]);
  });
});
