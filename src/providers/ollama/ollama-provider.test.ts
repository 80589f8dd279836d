import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelNotFoundError, ProviderAPIError } from '../../spec/errors.js';
import {
  collect,
  type MockUpstream,
  readFixture,
  sendJson,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { ollamaReplay } from '../../test-support/replay-ollama.js';
import { findProviderDefinition } from '../registry.js';
import { normaliseOllamaHost, resolveOllamaBaseURL } from './ollama-host.js';
import { createOllama } from './ollama-provider.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

describe('ollama base URL', () => {
  it('reads OLLAMA_HOST the way the ollama CLI does, with listen-all addresses made connectable', () => {
    expect(resolveOllamaBaseURL(undefined, {})).toBe('http://localhost:11434');
    expect(resolveOllamaBaseURL(undefined, { OLLAMA_HOST: '0.0.0.0' })).toBe('http://127.0.0.1:11434');
    expect(resolveOllamaBaseURL(undefined, { OLLAMA_HOST: '0.0.0.0:8080' })).toBe('http://127.0.0.1:8080');
    expect(resolveOllamaBaseURL(undefined, { OLLAMA_HOST: 'gpu-box:11500' })).toBe('http://gpu-box:11500');
    expect(resolveOllamaBaseURL(undefined, { OLLAMA_HOST: ':11435' })).toBe('http://127.0.0.1:11435');
    expect(resolveOllamaBaseURL(undefined, { OLLAMA_HOST: '[::]:11434' })).toBe('http://[::1]:11434');
    expect(resolveOllamaBaseURL(undefined, { OLLAMA_HOST: 'https://ollama.example.com' })).toBe(
      'https://ollama.example.com',
    );
    expect(resolveOllamaBaseURL(undefined, { OLLAMA_HOST: 'ollama.com' })).toBe('https://ollama.com');
    expect(resolveOllamaBaseURL('http://host:1234/api/', { OLLAMA_HOST: 'ignored' })).toBe('http://host:1234');
    expect(normaliseOllamaHost('http://10.0.0.5:11434/proxy/')).toBe('http://10.0.0.5:11434/proxy');
  });

  it('sends a bearer token only when a key is configured (hosted Ollama), read at call time', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-chat'));
    const env: Record<string, string | undefined> = { OLLAMA_HOST: upstream.url };
    const ollama = createOllama({ env });
    await ollama.chatModel('llama3.2').generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(upstream.requests[0]?.headers.authorization).toBeUndefined();
    env.OLLAMA_API_KEY = 'sk-ollama';
    await ollama.chatModel('llama3.2').generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(upstream.requests[1]?.headers.authorization).toBe('Bearer sk-ollama');
    upstream.handle((_, res) => sendJson(res, 200, readFixture('ollama', 'doc-tags.json')));
    await createOllama({ baseURL: upstream.url, apiKey: 'explicit', env: {} }).listModels?.();
    expect(upstream.requests[2]?.headers.authorization).toBe('Bearer explicit');
  });
});

describe('ollama embeddings (/api/embed)', () => {
  it('sends input as an array with dimensions and truncate, and reads prompt_eval_count as usage', async () => {
    upstream.handle((_, res) => sendJson(res, 200, readFixture('ollama', 'doc-embed.json')));
    const result = await createOllama({ baseURL: upstream.url, env: {} })
      .embeddingModel('all-minilm')
      .embed({
        input: ['Why is the sky blue?'],
        dimensions: 10,
        providerOptions: { ollama: { truncate: false, keep_alive: '1m' } },
      });
    expect(upstream.requests[0]?.path).toBe('/api/embed');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "dimensions": 10,
        "input": [
          "Why is the sky blue?",
        ],
        "keep_alive": "1m",
        "model": "all-minilm",
        "truncate": false,
      }
    `);
    expect(result).toMatchObject({
      provider: 'ollama',
      model: 'all-minilm',
      usage: { promptTokens: 8, totalTokens: 8 },
      warnings: [],
    });
    expect(result.embeddings).toHaveLength(1);
    expect(result.embeddings[0]?.[0]).toBe(0.010071029);
  });

  it('keeps vectors in input order and leaves usage undefined when not reported', async () => {
    upstream.handle((_, res) => sendJson(res, 200, readFixture('ollama', 'doc-embed-multiple.json')));
    const result = await createOllama({ baseURL: upstream.url, env: {} })
      .embeddingModel('all-minilm')
      .embed({ input: ['Why is the sky blue?', 'Why is the grass green?'] });
    expect(result.embeddings.map((v) => v[0])).toEqual([0.010071029, -0.0098027075]);
    expect(result.usage).toEqual({});
  });

  it('maps a 404 to ModelNotFoundError', async () => {
    upstream.handle((_, res) => sendJson(res, 404, readFixture('ollama', 'doc-model-not-found.json')));
    const failure = await createOllama({ baseURL: upstream.url, env: {} })
      .embeddingModel('nonexistent')
      .embed({ input: ['x'] })
      .catch((e: unknown) => e);
    expect(ModelNotFoundError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 404, message: expect.stringContaining("model 'nonexistent' not found") });
  });
});

describe('ollama models and health', () => {
  it('lists local models from /api/tags with their details', async () => {
    upstream.handle((_, res) => sendJson(res, 200, readFixture('ollama', 'doc-tags.json')));
    const models = await createOllama({ baseURL: upstream.url, env: {} }).listModels?.();
    expect(upstream.requests[0]).toMatchObject({ method: 'GET', path: '/api/tags' });
    expect(models).toHaveLength(2);
    expect(models?.[0]).toEqual({
      id: 'deepseek-r1:latest',
      provider: 'ollama',
      created: Math.floor(Date.parse('2025-05-10T08:06:48.639712648-07:00') / 1000),
      details: {
        size: 4683075271,
        family: 'qwen2',
        parameter_size: '7.6B',
        quantization_level: 'Q4_K_M',
        format: 'gguf',
        modified_at: '2025-05-10T08:06:48.639712648-07:00',
        digest: '0a8c266910232fd3291e71e5ba1e058cc5af9d411192cf88b6d30e92b6e73163',
      },
    });
  });

  it('checks health with GET /api/version and rejects typed when nothing listens', async () => {
    upstream.handle((_, res) => sendJson(res, 200, readFixture('ollama', 'doc-version.json')));
    await expect(createOllama({ baseURL: upstream.url, env: {} }).checkHealth?.()).resolves.toBeUndefined();
    expect(upstream.requests[0]).toMatchObject({ method: 'GET', path: '/api/version' });

    upstream.handle((_, res) => sendJson(res, 200, { status: 'ok' }));
    await expect(createOllama({ baseURL: upstream.url, env: {} }).checkHealth?.()).rejects.toSatisfy((e) =>
      ProviderAPIError.isInstance(e),
    );

    const gone = await startMockUpstream();
    const goneURL = gone.url;
    await gone.close();
    await expect(createOllama({ baseURL: goneURL, env: {} }).checkHealth?.()).rejects.toMatchObject({
      code: 'upstream_unreachable',
    });
  });
});

describe('ollama registration and replay', () => {
  it('is registered under the ollama type', () => {
    expect(findProviderDefinition('ollama')?.id).toBe('ollama');
  });

  it('replays a fixture as JSON for stream:false and as NDJSON otherwise', async () => {
    upstream.handle(ollamaReplay(fixtures, 'doc-tool-call'));
    const model = createOllama({ baseURL: upstream.url, env: {} }).chatModel('llama3.2');
    const result = await model.generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(result.choices[0]?.finishReason).toBe('tool_calls');
    const parts = await collect((await model.stream({ messages: [{ role: 'user', content: 'x' }] })).parts);
    expect(parts.some((p) => p.type === 'tool-call-delta')).toBe(true);
  });
});
