import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MockAgent } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationError, BadRequestError, ContentPolicyViolationError } from '../../spec/errors.js';
import {
  collect,
  type MockUpstream,
  readFixture,
  sendJson,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { openaiReplay } from '../../test-support/replay-openai.js';
import { createAzure } from './azure-provider.js';
import { azureDefinition } from './index.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const env = () => ({ AZURE_OPENAI_API_KEY: 'azure-key', AZURE_OPENAI_ENDPOINT: `${upstream.url}/` });

describe('azure openai chat', () => {
  // No non-streaming Azure recording exists; Azure answers in OpenAI's shape, so OpenAI's recording stands in.
  it('posts to the deployment URL with api-version and the api-key header', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-text'));
    const result = await azureDefinition
      .create({ env: env() })
      .chatModel('gpt-4o-prod')
      .generate({
        messages: [{ role: 'user', content: 'Invent a holiday.' }],
        maxTokens: 400,
        temperature: 0.5,
      });
    const request = upstream.requests[0];
    expect(request?.path).toBe('/openai/deployments/gpt-4o-prod/chat/completions');
    expect(request?.url.search).toBe('?api-version=2024-10-21');
    expect(request?.headers['api-key']).toBe('azure-key');
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.body).toMatchInlineSnapshot(`
      {
        "max_tokens": 400,
        "messages": [
          {
            "content": "Invent a holiday.",
            "role": "user",
          },
        ],
        "model": "gpt-4o-prod",
        "temperature": 0.5,
      }
    `);
    expect(result.provider).toBe('azure');
    expect(result.choices[0]?.message.content).toMatch(/^\*\*Holiday Name:\*\*/);
    expect(result.usage).toMatchObject({ promptTokens: 16, completionTokens: 363, totalTokens: 379 });
  });

  it('replays a recorded Azure stream, skipping the prompt-filter chunk for metadata', async () => {
    upstream.handle(openaiReplay(fixtures, 'azure-model-router.1'));
    const stream = await createAzure({ env: env() })
      .chatModel('model-router')
      .stream({ messages: [{ role: 'user', content: 'Capital of Denmark?' }] });
    const parts = await collect(stream.parts);
    expect(upstream.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(parts[0]).toEqual({
      type: 'response-metadata',
      id: 'chatcmpl-CYPS1lijGoK8gd9lYzY3r9Sx50nbt',
      model: 'gpt-5-nano-2025-08-07',
      created: 1762317021,
    });
    expect(parts.flatMap((p) => (p.type === 'text-delta' ? [p.delta] : [])).join('')).toBe('Capital of Denmark.');
    expect(parts.filter((p) => p.type === 'finish')).toEqual([
      { type: 'finish', choiceIndex: 0, finishReason: 'stop', rawFinishReason: 'stop' },
    ]);
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { promptTokens: 15, completionTokens: 78, totalTokens: 93, cachedTokens: 0, reasoningTokens: 64 },
    });
  });

  it('maps the documented content-filter error to a content policy violation (400)', async () => {
    upstream.handle(openaiReplay(fixtures, 'doc-azure-content-filter-error', { status: 400 }));
    const failure = await createAzure({ env: env() })
      .chatModel('gpt-4o-prod')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(ContentPolicyViolationError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ status: 400, code: 'content_policy_violation', isRetryable: false });
  });

  it('recognises a content-filter rejection by its inner error code alone', async () => {
    const documented = readFixture('azure', 'doc-azure-content-filter-error.json') as {
      error: Record<string, unknown>;
    };
    const body = { error: { ...documented.error, code: 'invalid_request', message: 'Request blocked.' } };
    upstream.handle((_, res) => sendJson(res, 400, body));
    const failure = await createAzure({ env: env() })
      .chatModel('gpt-4o-prod')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(ContentPolicyViolationError.isInstance(failure)).toBe(true);
  });

  it('uses deploymentName and apiVersion when the model string names no deployment', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-text'));
    const azure = azureDefinition.create({
      env: { AZURE_OPENAI_API_KEY: 'azure-key' },
      options: {
        endpoint: `${upstream.url}/openai/`,
        deploymentName: 'default-chat',
        apiVersion: '2025-01-01-preview',
      },
    });
    await azure.chatModel('').generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(upstream.requests[0]?.path).toBe('/openai/deployments/default-chat/chat/completions');
    expect(upstream.requests[0]?.url.searchParams.get('api-version')).toBe('2025-01-01-preview');
  });

  it('builds the endpoint from resourceName', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('https://my-resource.openai.azure.com')
      .intercept({ path: '/openai/deployments/chat/chat/completions?api-version=2024-10-21', method: 'POST' })
      .reply(200, readFileSync(join(fixtures, 'openai-text.json'), 'utf8'), {
        headers: { 'content-type': 'application/json' },
      });
    const azure = createAzure({ resourceName: 'my-resource', apiKey: 'k', env: {}, dispatcher: agent });
    const result = await azure.chatModel('chat').generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(result.choices[0]?.finishReason).toBe('stop');
    agent.assertNoPendingInterceptors();
    await agent.close();
  });

  it('applies reasoning-model rules when the deployment serves a reasoning model, keeping the system role', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-text'));
    const azure = azureDefinition.create({ env: env(), options: { baseModel: 'o3-mini' } });
    const result = await azure.chatModel('reasoner').generate({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'x' },
      ],
      maxTokens: 100,
      temperature: 0.7,
    });
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "max_completion_tokens": 100,
        "messages": [
          {
            "content": "Be brief.",
            "role": "system",
          },
          {
            "content": "x",
            "role": "user",
          },
        ],
        "model": "reasoner",
      }
    `);
    expect(result.warnings).toMatchObject([{ setting: 'temperature' }]);
  });

  it('fails fast naming the missing key or endpoint, without a network call', async () => {
    const noKey = await createAzure({ env: { AZURE_OPENAI_ENDPOINT: upstream.url } })
      .chatModel('d')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(noKey)).toBe(true);
    expect((noKey as Error).message).toContain('AZURE_OPENAI_API_KEY');

    const noEndpoint = (() => {
      try {
        return createAzure({ env: { AZURE_OPENAI_API_KEY: 'k' } }).chatModel('d');
      } catch (error) {
        return error;
      }
    })();
    expect(AuthenticationError.isInstance(noEndpoint)).toBe(true);
    expect(noEndpoint).toMatchObject({ code: 'missing_credentials', status: 401 });
    expect((noEndpoint as Error).message).toContain('AZURE_OPENAI_ENDPOINT');

    expect(() => createAzure({ env: env() }).chatModel('')).toThrow(BadRequestError);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('azure openai embeddings', () => {
  it('posts to the deployment embeddings URL', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-embedding'));
    const model = createAzure({ env: env() }).embeddingModel('embed-3-small');
    expect(model.maxEmbeddingsPerCall).toBe(2048);
    const result = await model.embed({ input: ['a', 'b'], dimensions: 5 });
    expect(upstream.requests[0]?.path).toBe('/openai/deployments/embed-3-small/embeddings');
    expect(upstream.requests[0]?.url.search).toBe('?api-version=2024-10-21');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "dimensions": 5,
        "encoding_format": "float",
        "input": [
          "a",
          "b",
        ],
        "model": "embed-3-small",
      }
    `);
    expect(result.embeddings).toHaveLength(2);
    expect(result.usage).toEqual({ promptTokens: 12, totalTokens: 12 });
  });
});
