import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AllProvidersFailedError,
  BadRequestError,
  ProviderAPIError,
  RateLimitError,
  ServiceUnavailableError,
} from '../spec/errors.js';
import { failWith, fixtureDirs, streamWith } from '../test-support/client-mocks.js';
import { bodyOf, type MockHandler, type MockUpstream, startMockUpstream } from '../test-support/mock-upstream.js';
import { anthropicReplay } from '../test-support/replay-anthropic.js';
import { openaiReplay } from '../test-support/replay-openai.js';
import type { CompletionChunk } from './client-types.js';
import { LlamaGate, type LlamaGateOptions } from './llamagate-client.js';
import { fallback } from './middleware/fallback.js';
import { CONTINUE_INSTRUCTION } from './stream-continuation.js';

let openai: MockUpstream;
let groq: MockUpstream;
let anthropic: MockUpstream;
/** Which upstream answered each request, in arrival order. */
let order: string[];

function tracked(name: string, upstream: MockUpstream, handler: MockHandler): void {
  upstream.handle((request, response) => {
    order.push(name);
    return handler(request, response);
  });
}

beforeAll(async () => {
  [openai, groq, anthropic] = await Promise.all([startMockUpstream(), startMockUpstream(), startMockUpstream()]);
});
afterAll(async () => {
  await Promise.all([openai.close(), groq.close(), anthropic.close()]);
});
beforeEach(() => {
  order = [];
  for (const upstream of [openai, groq, anthropic]) upstream.requests.length = 0;
  tracked('openai', openai, openaiReplay(fixtureDirs.openai, 'openai-text'));
  tracked('groq', groq, openaiReplay(fixtureDirs.groq, 'groq-text'));
  tracked('anthropic', anthropic, anthropicReplay(fixtureDirs.anthropic, 'anthropic-text'));
});

const gate = (options: LlamaGateOptions = {}) =>
  new LlamaGate({
    env: {
      OPENAI_API_KEY: 'sk-openai',
      OPENAI_BASE_URL: `${openai.url}/v1`,
      GROQ_API_KEY: 'gsk-groq',
      ANTHROPIC_API_KEY: 'sk-ant',
      ANTHROPIC_BASE_URL: `${anthropic.url}/v1`,
    },
    providers: { groq: { baseURL: `${groq.url}/openai/v1` } },
    ...options,
  });
const chain = ['gpt-4o-mini', 'groq/llama-3.1-8b-instant', 'claude-haiku-4-5'];
const messages = [{ role: 'user' as const, content: 'Hello, how are you?' }];

async function collectStream(
  stream: AsyncIterable<CompletionChunk>,
): Promise<{ chunks: CompletionChunk[]; error?: unknown }> {
  const chunks: CompletionChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks };
}

describe('fallback chains', () => {
  it('tries models in order and reports each failure', async () => {
    tracked('openai', openai, failWith(503, 'The server is overloaded'));
    tracked('groq', groq, failWith(429, 'Rate limit reached', { 'retry-after': '30' }));
    const response = await gate().completion({ model: chain, messages });
    expect(order).toEqual(['openai', 'groq', 'anthropic']);
    expect(response.provider).toBe('anthropic');
    expect(response.text).toMatch(/^Hello! I'm doing well/);
    expect(response.fallbackAttempts).toEqual(chain.slice(0, 2));
    expect(response.fallbackErrors.map((attempt) => attempt.model)).toEqual(chain.slice(0, 2));
    expect(ServiceUnavailableError.isInstance(response.fallbackErrors[0]?.error)).toBe(true);
    expect(RateLimitError.isInstance(response.fallbackErrors[1]?.error)).toBe(true);
    expect(bodyOf(anthropic.requests[0]).model).toBe('claude-haiku-4-5');
  });

  it('collects every model error in AllProvidersFailedError', async () => {
    tracked('openai', openai, failWith(503, 'overloaded'));
    tracked('groq', groq, failWith(500, 'internal'));
    tracked('anthropic', anthropic, failWith(429, 'slow down'));
    const failure = await gate()
      .completion({ model: chain, messages })
      .catch((e: unknown) => e);
    expect(AllProvidersFailedError.isInstance(failure)).toBe(true);
    const { attempts } = failure as AllProvidersFailedError;
    expect(attempts.map((attempt) => [attempt.model, attempt.provider, attempt.error.status])).toEqual([
      ['gpt-4o-mini', 'openai', 503],
      ['groq/llama-3.1-8b-instant', 'groq', 500],
      ['claude-haiku-4-5', 'anthropic', 429],
    ]);
    expect((failure as Error).message).toContain('groq/llama-3.1-8b-instant');
  });

  it('stops at a failure fallbackOn does not cover, and rethrows it as itself', async () => {
    tracked('openai', openai, failWith(400, 'Invalid value for temperature'));
    const failure = await gate()
      .completion({ model: chain, messages })
      .catch((e: unknown) => e);
    expect(BadRequestError.isInstance(failure)).toBe(true);
    expect(order).toEqual(['openai']);

    order = [];
    const response = await gate().completion({ model: chain, messages, fallbackOn: ['bad_request'] });
    expect(order).toEqual(['openai', 'groq']);
    expect(response.provider).toBe('groq');
  });

  it('applies the instance fallbackModels and the fallback() middleware the same way', async () => {
    tracked('openai', openai, failWith(503, 'overloaded'));
    const viaDefaults = await gate({ fallbackModels: ['groq/llama-3.1-8b-instant'] }).completion({
      model: 'gpt-4o-mini',
      messages,
    });
    expect(viaDefaults.provider).toBe('groq');
    expect(viaDefaults.fallbackAttempts).toHaveLength(1);
    order = [];
    const viaMiddleware = await gate({ middleware: [fallback({ models: ['claude-haiku-4-5'] })] }).completion({
      model: 'gpt-4o-mini',
      messages,
    });
    expect(order).toEqual(['openai', 'anthropic']);
    expect(viaMiddleware.fallbackAttempts).toEqual(['gpt-4o-mini']);
  });
});

describe('streaming fallback', () => {
  it('is transparent before the first chunk', async () => {
    tracked('openai', openai, failWith(503, 'overloaded'));
    const stream = gate().completion({ model: chain, messages, stream: true });
    const { chunks, error } = await collectStream(stream);
    expect(error).toBeUndefined();
    expect(chunks.every((chunk) => chunk.fallback === undefined && chunk.provider === 'groq')).toBe(true);
    const response = await stream.finalResponse();
    expect(response.text).toMatch(/^Introducing "Luminaria"/);
    expect(response.fallbackAttempts).toEqual(['gpt-4o-mini']);
  });

  it("'error' (default): a failure after the first chunk ends the stream with the error", async () => {
    tracked('openai', openai, streamWith(['Hello', ' wor', 'ld'], { cutAfter: 3 }));
    const { chunks, error } = await collectStream(gate().completion({ model: chain, messages, stream: true }));
    expect(chunks.map((chunk) => chunk.delta).join('')).toBe('Hello wor');
    expect(ProviderAPIError.isInstance(error)).toBe(true);
    expect(order).toEqual(['openai']);
  });

  it("'restart': the next model answers from scratch after a fallback chunk", async () => {
    tracked('openai', openai, streamWith(['Hello', ' wor', 'ld'], { cutAfter: 3 }));
    const stream = gate().completion({ model: chain, messages, stream: true, streamFallbackMode: 'restart' });
    const { chunks, error } = await collectStream(stream);
    expect(error).toBeUndefined();
    const marker = chunks.findIndex((chunk) => chunk.fallback !== undefined);
    expect(chunks[marker]?.fallback).toMatchObject({
      mode: 'restart',
      from: 'gpt-4o-mini',
      to: 'groq/llama-3.1-8b-instant',
    });
    expect(chunks.slice(marker + 1).every((chunk) => chunk.provider === 'groq')).toBe(true);
    expect(bodyOf(groq.requests[0]).messages).toEqual(messages);
    const response = await stream.finalResponse();
    expect(response.text).toMatch(/^Introducing "Luminaria"/);
    expect(response.provider).toBe('groq');
    expect(response.fallbackAttempts).toEqual(['gpt-4o-mini']);
  });

  it("'continue': a provider without prefill gets the partial answer and a request to continue", async () => {
    tracked('openai', openai, streamWith(['Hello', ' wor', 'ld'], { cutAfter: 3 }));
    tracked('groq', groq, streamWith(['ld!', ' Fine.']));
    const stream = gate().completion({ model: chain, messages, stream: true, streamFallbackMode: 'continue' });
    const { error } = await collectStream(stream);
    expect(error).toBeUndefined();
    expect(bodyOf(groq.requests[0]).messages).toEqual([
      ...messages,
      { role: 'assistant', content: 'Hello wor' },
      { role: 'user', content: CONTINUE_INSTRUCTION },
    ]);
    expect((await stream.finalResponse()).text).toBe('Hello world! Fine.');
  });

  it("'continue': Anthropic continues the partial answer as an assistant prefill", async () => {
    tracked('openai', openai, streamWith(['Hello', ' wor', 'ld'], { cutAfter: 3 }));
    const stream = gate().completion({
      model: ['gpt-4o-mini', 'claude-haiku-4-5'],
      messages,
      stream: true,
      streamFallbackMode: 'continue',
    });
    const { chunks, error } = await collectStream(stream);
    expect(error).toBeUndefined();
    expect(chunks.find((chunk) => chunk.fallback)?.fallback).toMatchObject({
      mode: 'continue',
      to: 'claude-haiku-4-5',
    });
    expect(bodyOf(anthropic.requests[0]).messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hello, how are you?' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'Hello wor' }] },
    ]);
    expect((await stream.finalResponse()).text).toMatch(/^Hello worHello! I'm doing well/);
  });

  it('reports every model when the fallback after a mid-stream failure fails too', async () => {
    tracked('openai', openai, streamWith(['Hello', ' wor', 'ld'], { cutAfter: 3 }));
    tracked('groq', groq, failWith(503, 'overloaded'));
    const { error } = await collectStream(
      gate().completion({
        model: ['gpt-4o-mini', 'groq/llama-3.1-8b-instant'],
        messages,
        stream: true,
        streamFallbackMode: 'restart',
      }),
    );
    expect(AllProvidersFailedError.isInstance(error)).toBe(true);
    expect((error as AllProvidersFailedError).attempts.map((attempt) => attempt.model)).toEqual([
      'gpt-4o-mini',
      'groq/llama-3.1-8b-instant',
    ]);
  });
});
