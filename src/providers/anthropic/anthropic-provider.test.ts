import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationError, EmbeddingsNotSupportedError, NotFoundError } from '../../spec/errors.js';
import { type MockUpstream, readFixture, sendJson, startMockUpstream } from '../../test-support/mock-upstream.js';
import { anthropicReplay } from '../../test-support/replay-anthropic.js';
import { createAnthropic } from './anthropic-provider.js';
import { anthropicDefinition } from './index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

describe('anthropic provider', () => {
  it('fails fast naming ANTHROPIC_API_KEY when no key is set, without a network call', async () => {
    const provider = createAnthropic({ baseURL: upstream.url, env: {} });
    for (const call of [
      () => provider.chatModel('claude-x').generate({ messages: [{ role: 'user', content: 'x' }] }),
      () => provider.chatModel('claude-x').stream({ messages: [{ role: 'user', content: 'x' }] }),
      () => provider.listModels?.() ?? Promise.resolve(),
    ]) {
      const failure = await call().catch((e: unknown) => e);
      expect(AuthenticationError.isInstance(failure)).toBe(true);
      expect(failure).toMatchObject({ status: 401, code: 'missing_credentials' });
      expect((failure as Error).message).toContain('ANTHROPIC_API_KEY');
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it('reads the key and base URL from the environment at call time', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-text'));
    const env: Record<string, string | undefined> = { ANTHROPIC_BASE_URL: `${upstream.url}/proxy/v1/` };
    const model = createAnthropic({ env }).chatModel('claude-x');
    env.ANTHROPIC_API_KEY = 'from-env';
    await model.generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(upstream.requests[0]?.path).toBe('/proxy/v1/messages');
    expect(upstream.requests[0]?.headers['x-api-key']).toBe('from-env');
  });

  it('lists models across pages in the Anthropic shape', async () => {
    upstream.handle((request, res) =>
      sendJson(
        res,
        200,
        readFixture(
          'anthropic',
          request.url.searchParams.get('after_id') === null
            ? 'doc-anthropic-models.1.json'
            : 'doc-anthropic-models.2.json',
        ),
      ),
    );
    const models = await createAnthropic({ baseURL: `${upstream.url}/v1`, apiKey: 'k', env: {} }).listModels?.();
    expect(upstream.requests.map((request) => `${request.method} ${request.path}${request.url.search}`)).toEqual([
      'GET /v1/models?limit=1000',
      'GET /v1/models?limit=1000&after_id=claude-sonnet-4-5-20250929',
    ]);
    expect(models).toEqual([
      {
        id: 'claude-sonnet-4-5-20250929',
        provider: 'anthropic',
        ownedBy: 'anthropic',
        kind: 'chat',
        created: 1759104000,
        details: { displayName: 'Claude Sonnet 4.5' },
      },
      {
        id: 'claude-haiku-4-5-20251001',
        provider: 'anthropic',
        ownedBy: 'anthropic',
        kind: 'chat',
        created: 1759276800,
        details: { displayName: 'Claude Haiku 4.5' },
      },
    ]);
  });

  it('checks health with one small model-list call and rejects with a typed error', async () => {
    const provider = createAnthropic({ baseURL: `${upstream.url}/v1`, apiKey: 'k', env: {} });
    upstream.handle((_, res) => sendJson(res, 200, readFixture('anthropic', 'doc-anthropic-models.2.json')));
    await expect(provider.checkHealth?.()).resolves.toBeUndefined();
    expect(upstream.requests[0]?.url.search).toBe('?limit=1');
    upstream.handle((_, res) =>
      sendJson(res, 404, { type: 'error', error: { type: 'not_found_error', message: 'Not found' } }),
    );
    const failure = await provider.checkHealth?.().catch((e: unknown) => e);
    expect(NotFoundError.isInstance(failure)).toBe(true);
  });

  it('has no embeddings', () => {
    const provider = createAnthropic({ apiKey: 'k', env: {} });
    let failure: unknown;
    try {
      provider.embeddingModel('claude-x');
    } catch (error) {
      failure = error;
    }
    expect(EmbeddingsNotSupportedError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'embeddings_not_supported' });
  });

  it('is registered for bare claude- models and takes the backend default max tokens', async () => {
    expect(anthropicDefinition.bareModels?.some((pattern) => pattern.test('claude-sonnet-4-5'))).toBe(true);
    expect(anthropicDefinition.bareModels?.some((pattern) => pattern.test('gpt-4o'))).toBe(false);
    upstream.handle(anthropicReplay(fixtures, 'anthropic-text'));
    const provider = anthropicDefinition.create({
      baseURL: `${upstream.url}/v1`,
      apiKey: 'k',
      env: {},
      options: { maxTokens: 1234 },
    });
    await provider.chatModel('claude-x').generate({ messages: [{ role: 'user', content: 'x' }] });
    expect((upstream.requests[0]?.body as Record<string, unknown> | undefined)?.max_tokens).toBe(1234);
    expect(() => anthropicDefinition.create({ options: { maxTokens: 'lots' } })).toThrow(/positive integer/);
  });
});
