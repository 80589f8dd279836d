import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BadRequestError } from '../../spec/errors.js';
import { type MockUpstream, readFixture, sendJson, startMockUpstream } from '../../test-support/mock-upstream.js';
import { createGemini } from './gemini-provider.js';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const provider = () => createGemini({ apiKey: 'test-key', baseURL: `${upstream.url}/v1beta`, env: {} });

describe('gemini embeddings', () => {
  it('sends batchEmbedContents with outputDimensionality and task type, in input order', async () => {
    upstream.handle((_, res) => sendJson(res, 200, readFixture('google', 'doc-batch-embed.json')));
    const model = provider().embeddingModel('gemini-embedding-001');
    expect(model.maxEmbeddingsPerCall).toBe(100);
    const result = await model.embed({
      input: ['first', 'second'],
      dimensions: 4,
      providerOptions: { gemini: { taskType: 'SEMANTIC_SIMILARITY' } },
    });
    expect(upstream.requests[0]?.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(upstream.requests[0]?.headers['x-goog-api-key']).toBe('test-key');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "requests": [
          {
            "content": {
              "parts": [
                {
                  "text": "first",
                },
              ],
            },
            "model": "models/gemini-embedding-001",
            "outputDimensionality": 4,
            "taskType": "SEMANTIC_SIMILARITY",
          },
          {
            "content": {
              "parts": [
                {
                  "text": "second",
                },
              ],
            },
            "model": "models/gemini-embedding-001",
            "outputDimensionality": 4,
            "taskType": "SEMANTIC_SIMILARITY",
          },
        ],
      }
    `);
    expect(result).toMatchObject({
      provider: 'gemini',
      model: 'gemini-embedding-001',
      embeddings: [
        [0.0123, -0.0456, 0.0789, 0.0012],
        [-0.0321, 0.0654, -0.0987, 0.0021],
      ],
      usage: {},
      warnings: [],
    });
  });

  it('refuses more inputs than one call takes, without calling Gemini', async () => {
    const failure = await provider()
      .embeddingModel('gemini-embedding-001')
      .embed({ input: Array.from({ length: 101 }, (_, i) => `t${i}`) })
      .catch((e: unknown) => e);
    expect(BadRequestError.isInstance(failure)).toBe(true);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('gemini models', () => {
  it('lists models without the models/ prefix, with kind and limits, following page tokens', async () => {
    upstream.handle((request, res) => {
      if (request.url.searchParams.get('pageToken') === 'next')
        return sendJson(res, 200, {
          models: [{ name: 'models/gemma-3-27b-it', supportedGenerationMethods: ['generateContent'] }],
        });
      sendJson(res, 200, { ...(readFixture('google', 'doc-models.json') as object), nextPageToken: 'next' });
    });
    const models = await provider().listModels?.();
    expect(upstream.requests[0]?.path).toBe('/v1beta/models');
    expect(upstream.requests[0]?.method).toBe('GET');
    expect(models).toEqual([
      {
        id: 'gemini-2.5-flash',
        provider: 'gemini',
        ownedBy: 'google',
        kind: 'chat',
        details: {
          displayName: 'Gemini 2.5 Flash',
          inputTokenLimit: 1048576,
          outputTokenLimit: 65536,
          supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
        },
      },
      {
        id: 'gemini-embedding-001',
        provider: 'gemini',
        ownedBy: 'google',
        kind: 'embedding',
        details: {
          displayName: 'Gemini Embedding 001',
          inputTokenLimit: 2048,
          outputTokenLimit: 1,
          supportedGenerationMethods: ['embedContent', 'countTextTokens', 'countTokens', 'asyncBatchEmbedContent'],
        },
      },
      {
        id: 'gemma-3-27b-it',
        provider: 'gemini',
        ownedBy: 'google',
        kind: 'chat',
        details: { supportedGenerationMethods: ['generateContent'] },
      },
    ]);
  });
});

describe('gemini logprobs', () => {
  it("converts Gemini's chosen and top candidates to OpenAI logprobs", async () => {
    upstream.handle((_, res) =>
      sendJson(res, 200, {
        candidates: [
          {
            content: { role: 'model', parts: [{ text: 'Hi' }] },
            finishReason: 'STOP',
            logprobsResult: {
              chosenCandidates: [{ token: 'Hi', logProbability: -0.1 }],
              topCandidates: [
                {
                  candidates: [
                    { token: 'Hi', logProbability: -0.1 },
                    { token: 'Hello', logProbability: -2.5 },
                  ],
                },
              ],
            },
          },
        ],
      }),
    );
    const result = await provider()
      .chatModel('gemini-2.5-flash')
      .generate({ messages: [{ role: 'user', content: 'greet' }], logprobs: true, topLogprobs: 2 });
    expect(result.choices[0]?.logprobs).toEqual({
      content: [
        {
          token: 'Hi',
          logprob: -0.1,
          bytes: null,
          top_logprobs: [
            { token: 'Hi', logprob: -0.1, bytes: null },
            { token: 'Hello', logprob: -2.5, bytes: null },
          ],
        },
      ],
    });
  });
});
