/** The names and meanings a llmgate user porting code expects: errors, fallbackAttempts, fallbackOn, chains. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AllProvidersFailedError,
  AuthError,
  AuthenticationError,
  EmbeddingsNotSupported,
  EmbeddingsNotSupportedError,
  imageUrl,
  ModelNotFoundError,
  RateLimitError,
  ServiceUnavailableError,
  user,
  VisionNotSupported,
  VisionNotSupportedError,
} from '../index.js';
import { failWith, fixtureDirs } from '../test-support/client-mocks.js';
import { bodyOf, type MockUpstream, sendJson, startMockUpstream } from '../test-support/mock-upstream.js';
import { anthropicReplay } from '../test-support/replay-anthropic.js';
import { openaiReplay } from '../test-support/replay-openai.js';
import { LlamaGate, type LlamaGateOptions } from './llamagate-client.js';
import type { ModelCall } from './model-call.js';

let openai: MockUpstream;
let groq: MockUpstream;

beforeAll(async () => {
  [openai, groq] = await Promise.all([startMockUpstream(), startMockUpstream()]);
});
afterAll(async () => {
  await Promise.all([openai.close(), groq.close()]);
});
beforeEach(() => {
  for (const upstream of [openai, groq]) upstream.requests.length = 0;
  openai.handle(openaiReplay(fixtureDirs.openai, 'openai-text'));
  groq.handle(openaiReplay(fixtureDirs.groq, 'groq-text'));
});

const gate = (options: LlamaGateOptions = {}) =>
  new LlamaGate({
    env: { OPENAI_API_KEY: 'sk-openai', OPENAI_BASE_URL: `${openai.url}/v1`, GROQ_API_KEY: 'gsk-groq' },
    providers: { groq: { baseURL: `${groq.url}/openai/v1` } },
    ...options,
  });
const messages = [{ role: 'user' as const, content: 'Hello' }];

describe('llmgate names', () => {
  it('AllProvidersFailedError.errors lists { model, error } pairs (attempts is the same list)', async () => {
    openai.handle(failWith(503, 'overloaded'));
    groq.handle(failWith(429, 'slow down'));
    const failure = await gate()
      .completion({ model: ['gpt-4o-mini', 'groq/llama-3.1-8b-instant'], messages })
      .catch((error: unknown) => error);
    expect(AllProvidersFailedError.isInstance(failure)).toBe(true);
    const { errors, attempts } = failure as AllProvidersFailedError;
    expect(errors.map(({ model, error }) => [model, error.name])).toEqual([
      ['gpt-4o-mini', 'ServiceUnavailableError'],
      ['groq/llama-3.1-8b-instant', 'RateLimitError'],
    ]);
    expect(attempts).toBe(errors);
  });

  it('resp.fallbackAttempts is the list of model strings that failed; details sit in fallbackErrors', async () => {
    openai.handle(failWith(503, 'overloaded'));
    const response = await gate().completion({ model: ['gpt-4o-mini', 'groq/llama-3.1-8b-instant'], messages });
    expect(response.fallbackAttempts).toEqual(['gpt-4o-mini']);
    expect(response.fallbackErrors.map((failure) => failure.error.status)).toEqual([503]);
  });

  it('fallbackOn takes error classes, condition names, or a predicate', async () => {
    openai.handle(failWith(503, 'overloaded'));
    const chain = ['gpt-4o-mini', 'groq/llama-3.1-8b-instant'];
    // Only rate limits move on: a 503 is thrown as itself.
    const stopped = await gate()
      .completion({ model: chain, messages, fallbackOn: [RateLimitError] })
      .catch((error: unknown) => error);
    expect(ServiceUnavailableError.isInstance(stopped)).toBe(true);
    expect(groq.requests).toHaveLength(0);

    const byClass = await gate().completion({ model: chain, messages, fallbackOn: [ServiceUnavailableError] });
    expect(byClass.provider).toBe('groq');
    const mixed = await gate().completion({ model: chain, messages, fallbackOn: [RateLimitError, 'server_error'] });
    expect(mixed.provider).toBe('groq');
    const byPredicate = await gate().completion({
      model: chain,
      messages,
      fallbackOn: (error) => error.status === 503,
    });
    expect(byPredicate.provider).toBe('groq');

    const unknown = await gate()
      .completion({ model: chain, messages, fallbackOn: ['rate-limit' as 'rate_limit'] })
      .catch((error: unknown) => error);
    expect((unknown as Error).message).toMatch(/unknown condition "rate-limit"/);
  });

  it('new LlamaGate({ fallbackChain }) lets calls leave model out, and tries the chain after a given model', async () => {
    openai.handle(failWith(503, 'overloaded'));
    const chained = gate({ fallbackChain: ['gpt-4o-mini', 'groq/llama-3.1-8b-instant'] });
    const response = await chained.completion({ messages });
    expect(response.provider).toBe('groq');
    expect(response.fallbackAttempts).toEqual(['gpt-4o-mini']);

    openai.handle(openaiReplay(fixtureDirs.openai, 'openai-text'));
    groq.handle(failWith(500, 'internal'));
    const first = await gate({ fallbackChain: ['gpt-4o-mini'] }).completion({
      model: 'groq/llama-3.1-8b-instant',
      messages,
    });
    expect(first.provider).toBe('openai');
    expect(first.fallbackAttempts).toEqual(['groq/llama-3.1-8b-instant']);
  });

  it('gate.stream(...) streams like completion({ stream: true })', async () => {
    let text = '';
    const stream = gate().stream({ model: 'gpt-4o-mini', messages });
    for await (const chunk of stream) text += chunk.delta;
    expect(text.length).toBeGreaterThan(20);
    expect(bodyOf(openai.requests[0]).stream).toBe(true);
    expect((await stream.finalResponse()).text).toBe(text);
  });

  it('batch(requests, { middleware }) runs the middleware around every request', async () => {
    const seen: string[] = [];
    const result = await gate().batch(
      [
        { model: 'gpt-4o-mini', messages },
        { model: 'groq/llama-3.1-8b-instant', messages },
      ],
      {
        middleware: [
          (next) => async (call: ModelCall) => {
            seen.push(`${call.kind}:${call.model}`);
            return next(call);
          },
        ],
      },
    );
    expect(result.successful).toBe(2);
    expect(seen.sort()).toEqual(['completion:gpt-4o-mini', 'completion:groq/llama-3.1-8b-instant']);
  });

  it('turns a bare tool name in toolChoice into the forced-tool form', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object' } } }];
    await gate().completion({ model: 'gpt-4o-mini', messages, tools, toolChoice: 'get_weather' });
    expect(bodyOf(openai.requests.at(-1)).tool_choice).toEqual({ type: 'function', function: { name: 'get_weather' } });
    await gate().completion({ model: 'gpt-4o-mini', messages, tools, toolChoice: 'required' });
    expect(bodyOf(openai.requests.at(-1)).tool_choice).toBe('required');
    // Anthropic's forced-tool form.
    openai.handle(anthropicReplay(fixtureDirs.anthropic, 'anthropic-text'));
    await gate({ providers: { anthropic: { apiKey: 'sk-ant', baseURL: `${openai.url}/v1` } } }).completion({
      model: 'anthropic/claude-haiku-4-5',
      messages,
      tools,
      toolChoice: 'get_weather',
    });
    expect(openai.requests.at(-1)?.path).toBe('/v1/messages');
    expect(bodyOf(openai.requests.at(-1)).tool_choice).toEqual({ type: 'tool', name: 'get_weather' });
  });

  it('answers an unknown provider with ModelNotFoundError carrying the model', async () => {
    const failure = await gate()
      .completion({ model: 'some-model', provider: 'no-such-provider', messages })
      .catch((error: unknown) => error);
    expect(ModelNotFoundError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ model: 'some-model', status: 404 });
  });

  it('sends a model whose prefix names no provider to the default backend, whose 404 is a ModelNotFoundError', async () => {
    // Ollama names may hold a slash (`user/model`), so the prefix is not refused before the default backend answers.
    const ollama = await startMockUpstream();
    try {
      ollama.handle((_, response) => sendJson(response, 404, { error: "model 'nosuch/some-model' not found" }));
      const failure = await new LlamaGate({ env: { OLLAMA_HOST: ollama.url } })
        .completion({ model: 'nosuch/some-model', messages })
        .catch((error: unknown) => error);
      expect(ModelNotFoundError.isInstance(failure)).toBe(true);
      expect(failure).toMatchObject({ model: 'nosuch/some-model', provider: 'ollama', status: 404 });
      expect(ollama.requests.map((request) => [request.path, bodyOf(request).model])).toEqual([
        ['/api/chat', 'nosuch/some-model'],
      ]);
    } finally {
      await ollama.close();
    }
  });

  it('refuses images for a Cohere model without vision, before any request', async () => {
    const cohere = gate({ providers: { cohere: { apiKey: 'co-key', baseURL: openai.url } } });
    const failure = await cohere
      .completion({
        model: 'cohere/command-r-plus',
        messages: [user('What is this?', imageUrl('https://example.com/cat.png'))],
      })
      .catch((error: unknown) => error);
    expect(VisionNotSupportedError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ model: 'command-r-plus', provider: 'cohere' });
    expect(openai.requests).toHaveLength(0);
  });

  it('exports the seed short names as aliases of the same classes', () => {
    expect(AuthError).toBe(AuthenticationError);
    expect(EmbeddingsNotSupported).toBe(EmbeddingsNotSupportedError);
    expect(VisionNotSupported).toBe(VisionNotSupportedError);
    expect(AuthError.isInstance(new AuthenticationError({ message: 'no key' }))).toBe(true);
  });
});
