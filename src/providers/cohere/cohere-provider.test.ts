import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ContextWindowExceededError,
  InsufficientQuotaError,
  ProviderAPIError,
  RateLimitError,
} from '../../spec/errors.js';
import { type MockUpstream, readFixture, sendJson, startMockUpstream } from '../../test-support/mock-upstream.js';
import { cohereReplay } from '../../test-support/replay-cohere.js';
import { findProviderDefinition, providerForBareModel } from '../registry.js';
import { createCohere } from './cohere-provider.js';
import { cohereDefinition } from './index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const provider = () => createCohere({ baseURL: `${upstream.url}/v2`, apiKey: 'test-key' });
const generateFailure = () =>
  provider()
    .chatModel('command-a-03-2025')
    .generate({ messages: [{ role: 'user', content: 'x' }] })
    .catch((error: unknown) => error);

describe('cohere errors', () => {
  it('maps 429 to a rate-limit error with Retry-After and Cohere message', async () => {
    upstream.handle((_, res) =>
      sendJson(res, 429, { id: 'e1', message: 'You are using a Trial key, which is limited' }, { 'retry-after': '3' }),
    );
    const failure = await generateFailure();
    expect(RateLimitError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({
      status: 429,
      retryAfter: 3,
      isRetryable: true,
      message: 'cohere error (429): You are using a Trial key, which is limited',
    });
  });

  it('maps 498 (Cohere invalid token) and 401 to authentication errors', async () => {
    upstream.handle((_, res) => sendJson(res, 498, { message: 'invalid api token' }));
    const invalid = await generateFailure();
    expect(AuthenticationError.isInstance(invalid)).toBe(true);
    expect(invalid).toMatchObject({ status: 401, code: 'invalid_api_key', isRetryable: false });
    expect((invalid as AuthenticationError).upstream?.status).toBe(498);

    upstream.handle((_, res) => sendJson(res, 401, { message: 'no api key supplied' }));
    expect(AuthenticationError.isInstance(await generateFailure())).toBe(true);
  });

  it('maps 400 "too many tokens" to a context-window error', async () => {
    upstream.handle((_, res) =>
      sendJson(res, 400, {
        message: 'too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 4292.',
      }),
    );
    const failure = await generateFailure();
    expect(ContextWindowExceededError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 400, code: 'context_length_exceeded', isRetryable: false });
  });

  it('maps 402 to insufficient quota and 500 to a retryable provider error', async () => {
    upstream.handle((_, res) => sendJson(res, 402, { message: 'please add a payment method' }));
    const quota = await generateFailure();
    expect(InsufficientQuotaError.isInstance(quota)).toBe(true);
    expect(quota).toMatchObject({ status: 402, isRetryable: false });

    upstream.handle((_, res) => sendJson(res, 500, { message: 'internal server error' }));
    const server = await generateFailure();
    expect(ProviderAPIError.isInstance(server)).toBe(true);
    expect(server).toMatchObject({ status: 500, isRetryable: true });
  });
});

describe('cohere provider', () => {
  it('fails fast without a network call when no key is configured, naming the variable', async () => {
    const keyless = createCohere({ baseURL: `${upstream.url}/v2`, env: {} });
    const failure = await keyless
      .chatModel('command-a-03-2025')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ code: 'missing_credentials', message: expect.stringContaining('COHERE_API_KEY') });
    await expect(keyless.embeddingModel('embed-v4.0').embed({ input: ['x'] })).rejects.toMatchObject({
      code: 'missing_credentials',
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it('reads COHERE_API_KEY and COHERE_BASE_URL from the given env at call time', async () => {
    const env: Record<string, string | undefined> = {};
    const cohere = createCohere({ env });
    env.COHERE_API_KEY = 'env-key';
    env.COHERE_BASE_URL = `${upstream.url}/proxy/v2/`;
    upstream.handle(cohereReplay(fixtures, 'cohere-text'));
    await cohere.chatModel('command-a-03-2025').generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(upstream.requests[0]?.path).toBe('/proxy/v2/chat');
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer env-key');
  });

  it('lists chat and embedding models from /v1/models, skipping rerank-only models', async () => {
    upstream.handle((_, res) => sendJson(res, 200, readFixture('cohere', 'doc-cohere-models.json')));
    const models = await provider().listModels?.();
    expect(upstream.requests[0]?.path).toBe('/v1/models');
    expect(upstream.requests[0]?.url.searchParams.get('page_size')).toBe('1000');
    expect(models).toEqual([
      {
        id: 'command-a-03-2025',
        provider: 'cohere',
        ownedBy: 'cohere',
        kind: 'chat',
        details: { endpoints: ['generate', 'chat', 'summarize'], contextLength: 256000 },
      },
      {
        id: 'embed-v4.0',
        provider: 'cohere',
        ownedBy: 'cohere',
        kind: 'embedding',
        details: { endpoints: ['embed'], contextLength: 128000 },
      },
    ]);
  });

  it('is registered under its id and claims Cohere bare model names', () => {
    expect(findProviderDefinition('cohere')?.id).toBe(cohereDefinition.id);
    expect(providerForBareModel('command-a-03-2025')?.id).toBe('cohere');
    expect(providerForBareModel('command-r-plus')?.id).toBe('cohere');
    expect(providerForBareModel('embed-v4.0')?.id).toBe('cohere');
    expect(providerForBareModel('embed-english-v3.0')?.id).toBe('cohere');
    expect(providerForBareModel('gpt-4o')?.id).not.toBe('cohere');
  });

  it('replays recorded streams with Cohere event lines', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-text'));
    const response = await fetch(`${upstream.url}/v2/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stream: true }),
    });
    const text = await response.text();
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(text.startsWith('event: message-start\ndata: {"id":"321d178c')).toBe(true);
    expect(text).toContain('event: message-end\ndata: ');
  });
});
