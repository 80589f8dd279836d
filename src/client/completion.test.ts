import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AbortedError,
  AuthenticationError,
  ContextWindowExceededError,
  RateLimitError,
  TimeoutError,
} from '../spec/errors.js';
import { failWith, fixtureDirs, streamWith } from '../test-support/client-mocks.js';
import { bodyOf, type MockUpstream, sendJson, startMockUpstream } from '../test-support/mock-upstream.js';
import { openaiReplay } from '../test-support/replay-openai.js';
import { completion } from './default-client.js';
import { LlamaGate } from './llamagate-client.js';

let openai: MockUpstream;
let groq: MockUpstream;

beforeAll(async () => {
  [openai, groq] = await Promise.all([startMockUpstream(), startMockUpstream()]);
});
afterAll(async () => {
  await Promise.all([openai.close(), groq.close()]);
});
beforeEach(() => {
  openai.requests.length = 0;
  groq.requests.length = 0;
  openai.handle(openaiReplay(fixtureDirs.openai, 'openai-text'));
  groq.handle(openaiReplay(fixtureDirs.groq, 'groq-text'));
});

const env = () => ({ OPENAI_API_KEY: 'sk-openai', OPENAI_BASE_URL: `${openai.url}/v1`, GROQ_API_KEY: 'gsk-groq' });
const gate = () => new LlamaGate({ env: env(), providers: { groq: { baseURL: `${groq.url}/openai/v1` } } });
const messages = [{ role: 'user' as const, content: 'Invent a new holiday and describe its traditions.' }];

describe('completion', () => {
  it('sends the request to the resolved provider and returns a typed response', async () => {
    const response = await gate().completion({
      model: 'gpt-4o-mini',
      messages,
      maxTokens: 400,
      temperature: 0.2,
      topP: 0.9,
      stop: 'END',
      seed: 7,
    });
    expect(openai.requests[0]?.path).toBe('/v1/chat/completions');
    expect(openai.requests[0]?.headers.authorization).toBe('Bearer sk-openai');
    expect(openai.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "max_tokens": 400,
        "messages": [
          {
            "content": "Invent a new holiday and describe its traditions.",
            "role": "user",
          },
        ],
        "model": "gpt-4o-mini",
        "seed": 7,
        "stop": [
          "END",
        ],
        "temperature": 0.2,
        "top_p": 0.9,
      }
    `);
    expect(response.text).toMatch(/^\*\*Holiday Name:\*\* Galaxy Day/);
    expect(response).toMatchObject({
      id: 'chatcmpl-D8Z5f52zQqikDBEKQMQoYcWMcWPeU',
      model: 'gpt-4.1-nano-2025-04-14',
      provider: 'openai',
      finishReason: 'stop',
      rawFinishReason: 'stop',
      toolCalls: [],
      usage: { promptTokens: 16, completionTokens: 363, totalTokens: 379, cachedTokens: 0, reasoningTokens: 0 },
      fallbackAttempts: [],
      cacheHit: false,
      parsed: undefined,
    });
    expect(response.steps).toHaveLength(1);
    expect((response.raw as { system_fingerprint: string }).system_fingerprint).toBe('fp_de604bd877');
  });

  it('routes <provider>/<model> like the server and strips the prefix', async () => {
    const response = await gate().completion({
      model: 'groq/llama-3.1-8b-instant',
      messages,
      providerOptions: { groq: { serviceTier: 'flex' } },
    });
    expect(groq.requests[0]?.path).toBe('/openai/v1/chat/completions');
    expect(groq.requests[0]?.headers.authorization).toBe('Bearer gsk-groq');
    expect(bodyOf(groq.requests[0])).toMatchObject({ model: 'llama-3.1-8b-instant', service_tier: 'flex' });
    expect(response.provider).toBe('groq');
    expect(response.text).toMatch(/Luminaria/);
  });

  it('sends a bare hosted model name to the default backend (Ollama) when that provider has no credentials', async () => {
    openai.handle((_, res) =>
      sendJson(res, 200, {
        model: 'gpt-4o',
        created_at: '2025-01-01T00:00:00Z',
        message: { role: 'assistant', content: 'local' },
        done: true,
        done_reason: 'stop',
      }),
    );
    const local = new LlamaGate({ env: { OLLAMA_HOST: openai.url } });
    const response = await local.completion({ model: 'gpt-4o', messages });
    expect(openai.requests[0]?.path).toBe('/api/chat');
    expect(response).toMatchObject({ provider: 'ollama', text: 'local' });
  });

  it('takes apiKey, baseURL and provider per call', async () => {
    await gate().completion({ model: 'gpt-4o-mini', messages, apiKey: 'sk-call', baseURL: `${groq.url}/custom/v1` });
    expect(groq.requests[0]?.path).toBe('/custom/v1/chat/completions');
    expect(groq.requests[0]?.headers.authorization).toBe('Bearer sk-call');
    await gate().completion({ model: 'llama-3.1-8b-instant', provider: 'groq', messages });
    expect(groq.requests[1]?.path).toBe('/openai/v1/chat/completions');
    expect(bodyOf(groq.requests[1]).model).toBe('llama-3.1-8b-instant');
  });

  it('passes multi-part content with images through in the OpenAI shape', async () => {
    await gate().completion({
      model: 'gpt-4o-mini',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
          ],
        },
      ],
    });
    expect(bodyOf(openai.requests[0]).messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this image?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=', detail: 'low' } },
        ],
      },
    ]);
  });

  it('uses the shared default client configured from process.env', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-from-env');
    vi.stubEnv('OPENAI_BASE_URL', `${openai.url}/v1`);
    try {
      const response = await completion({ model: 'gpt-4o-mini', messages });
      expect(response.provider).toBe('openai');
      expect(openai.requests[0]?.headers.authorization).toBe('Bearer sk-from-env');
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('streaming', () => {
  it('is directly for-await-able, with usage on the last chunk and the aggregated response after', async () => {
    const stream = gate().completion({ model: 'groq/llama-3.1-8b-instant', messages, stream: true });
    expect(groq.requests).toHaveLength(0);
    let text = '';
    const chunks = [];
    for await (const chunk of stream) {
      text += chunk.delta;
      chunks.push(chunk);
    }
    expect(bodyOf(groq.requests[0]).stream).toBe(true);
    expect(text).toMatch(/^Introducing "Luminaria" - a new holiday/);
    expect(text).toHaveLength(3189);
    const last = chunks.at(-1);
    expect(last).toMatchObject({ finishReason: 'stop', delta: '', provider: 'groq' });
    expect(last?.usage).toMatchObject({ promptTokens: 45, completionTokens: 662, totalTokens: 707 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === undefined)).toBe(true);
    const response = await stream.finalResponse();
    expect(response.text).toBe(text);
    expect(response.usage.totalTokens).toBe(707);
    expect(response.raw).toBeUndefined();
  });

  it('consumes the stream itself when only the final response is asked for', async () => {
    const stream = gate().completion({ model: 'gpt-4o-mini', messages, stream: true });
    const response = await stream.finalResponse();
    expect(response.text).toMatch(/Holiday/);
    expect(response.usage).toMatchObject({ promptTokens: 16, completionTokens: 300 });
    expect(() => stream[Symbol.asyncIterator]()).toThrow(/only once/);
  });

  it('closes the upstream when the consumer stops early', async () => {
    let closed = false;
    openai.handle((request, response) => {
      response.on('close', () => {
        closed = true;
      });
      return streamWith(['a', 'b', 'c', 'd', 'e', 'f'], { delayMs: 30 })(request, response);
    });
    const stream = gate().completion({ model: 'gpt-4o-mini', messages, stream: true });
    for await (const chunk of stream) if (chunk.delta === 'b') break;
    await vi.waitFor(() => expect(closed).toBe(true));
    await expect(stream.finalResponse()).rejects.toSatisfy((e: unknown) => AbortedError.isInstance(e));
  });
});

describe('errors, aborts and timeouts', () => {
  it('maps upstream failures to typed errors carrying provider, status and body', async () => {
    openai.handle(failWith(401, 'Incorrect API key provided'));
    const auth = await gate()
      .completion({ model: 'gpt-4o-mini', messages })
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(auth)).toBe(true);
    expect(auth).toMatchObject({ provider: 'openai', status: 401, isRetryable: false });
    expect((auth as AuthenticationError).upstream?.body).toMatchObject({
      error: { message: 'Incorrect API key provided' },
    });

    openai.handle(failWith(429, 'Rate limit reached', { 'retry-after': '2' }));
    const limited = await gate()
      .completion({ model: 'gpt-4o-mini', messages })
      .catch((e: unknown) => e);
    expect(RateLimitError.isInstance(limited)).toBe(true);
    expect(limited).toMatchObject({ status: 429, retryAfter: 2, isRetryable: true });

    openai.handle(failWith(400, "This model's maximum context length is 128000 tokens"));
    const tooLong = await gate()
      .completion({ model: 'gpt-4o-mini', messages })
      .catch((e: unknown) => e);
    expect(ContextWindowExceededError.isInstance(tooLong)).toBe(true);
  });

  it('fails fast without a network call when the provider has no key', async () => {
    const keyless = new LlamaGate({ env: {}, providers: { groq: { baseURL: `${groq.url}/openai/v1` } } });
    const failure = await keyless.completion({ model: 'groq/llama-3.1-8b-instant', messages }).catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toContain('GROQ_API_KEY');
    expect(groq.requests).toHaveLength(0);
  });

  it('aborts a call in flight with the AbortSignal', async () => {
    openai.handle(() => undefined);
    const controller = new AbortController();
    const pending = gate().completion({ model: 'gpt-4o-mini', messages, signal: controller.signal });
    await vi.waitFor(() => expect(openai.requests).toHaveLength(1));
    controller.abort();
    await expect(pending).rejects.toSatisfy((e: unknown) => AbortedError.isInstance(e));
  });

  it('aborts a stream mid-way with the AbortSignal', async () => {
    openai.handle(streamWith(['a', 'b', 'c', 'd', 'e', 'f'], { delayMs: 40 }));
    const controller = new AbortController();
    const seen: string[] = [];
    const consume = async () => {
      for await (const chunk of gate().completion({
        model: 'gpt-4o-mini',
        messages,
        stream: true,
        signal: controller.signal,
      })) {
        seen.push(chunk.delta);
        if (chunk.delta === 'b') controller.abort();
      }
    };
    await expect(consume()).rejects.toSatisfy((e: unknown) => AbortedError.isInstance(e));
    expect(seen).not.toContain('d');
  });

  it('gives up after `timeout` milliseconds with a TimeoutError', async () => {
    openai.handle(() => undefined);
    const failure = await gate()
      .completion({ model: 'gpt-4o-mini', messages, timeout: 150 })
      .catch((e: unknown) => e);
    expect(TimeoutError.isInstance(failure)).toBe(true);
  });
});
