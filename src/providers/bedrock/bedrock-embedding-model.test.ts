import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddingsNotSupportedError, RateLimitError } from '../../spec/errors.js';
import { type MockUpstream, sendJson, startMockUpstream } from '../../test-support/mock-upstream.js';
import { createBedrock } from './bedrock-provider.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8'));

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const provider = () =>
  createBedrock({ baseURL: upstream.url, region: 'us-east-1', accessKeyId: 'AKID', secretAccessKey: 's', env: {} });

describe('bedrock embeddings', () => {
  it('embeds with Titan v2: one input per call, dimensions and normalize sent, vectors in input order', async () => {
    upstream.handle((request, res) => {
      const text = (request.body as { inputText: string }).inputText;
      const value = fixture('doc-titan-embed-text-v2.json') as { embedding: number[] };
      value.embedding = [text.length, 0];
      sendJson(res, 200, value);
    });
    const model = provider().embeddingModel('amazon.titan-embed-text-v2:0');
    expect(model.maxEmbeddingsPerCall).toBe(1);
    const result = await model.embed({
      input: ['a', 'bbb'],
      dimensions: 256,
      providerOptions: { bedrock: { normalize: false } },
    });
    expect(upstream.requests.map((request) => request.path)).toEqual([
      '/model/amazon.titan-embed-text-v2%3A0/invoke',
      '/model/amazon.titan-embed-text-v2%3A0/invoke',
    ]);
    const bodies = upstream.requests.map((request) => request.body as { inputText: string });
    expect(bodies.sort((a, b) => a.inputText.localeCompare(b.inputText))).toEqual([
      { inputText: 'a', dimensions: 256, normalize: false },
      { inputText: 'bbb', dimensions: 256, normalize: false },
    ]);
    expect(result.embeddings).toEqual([
      [1, 0],
      [3, 0],
    ]);
    expect(result.usage).toEqual({ promptTokens: 12, totalTokens: 12 });
    expect(result.warnings).toEqual([]);
  });

  it('embeds with Cohere v3 in one call with input_type, warning that dimensions cannot be set', async () => {
    upstream.handle((_, res) =>
      sendJson(res, 200, fixture('doc-cohere-embed-v3.json'), { 'x-amzn-bedrock-input-token-count': '4' }),
    );
    const result = await provider()
      .embeddingModel('cohere.embed-english-v3')
      .embed({
        input: ['hello world', 'goodbye world'],
        dimensions: 512,
        providerOptions: { bedrock: { inputType: 'search_query' } },
      });
    expect(upstream.requests[0]?.body).toEqual({ texts: ['hello world', 'goodbye world'], input_type: 'search_query' });
    expect(result.embeddings).toEqual([
      [0.021, -0.013, 0.044],
      [-0.008, 0.031, 0.017],
    ]);
    expect(result.usage).toEqual({ promptTokens: 4, totalTokens: 4 });
    expect(result.warnings).toEqual([expect.objectContaining({ setting: 'dimensions' })]);
  });

  it('reads Cohere v4 embeddings by type and sends output_dimension', async () => {
    upstream.handle((_, res) => sendJson(res, 200, fixture('doc-cohere-embed-v4.json')));
    const result = await provider()
      .embeddingModel('us.cohere.embed-v4:0')
      .embed({ input: ['first', 'second'], dimensions: 256 });
    expect(upstream.requests[0]?.body).toEqual({
      texts: ['first', 'second'],
      input_type: 'search_document',
      output_dimension: 256,
    });
    expect(result.embeddings).toEqual([
      [0.5, 0.25],
      [0.125, -0.75],
    ]);
    expect(result.usage).toEqual({});
  });

  it('refuses models without an embeddings format, and types HTTP errors', async () => {
    expect(() => provider().embeddingModel('anthropic.claude-3-haiku-20240307-v1:0')).toThrow(
      expect.objectContaining({ code: 'embeddings_not_supported' }),
    );
    let refused: unknown;
    try {
      provider().embeddingModel('meta.llama3-8b-instruct-v1:0');
    } catch (error) {
      refused = error;
    }
    expect(EmbeddingsNotSupportedError.isInstance(refused)).toBe(true);
    upstream.handle((_, res) =>
      sendJson(res, 429, { message: 'Too many requests' }, { 'x-amzn-errortype': 'ThrottlingException' }),
    );
    const failure = await provider()
      .embeddingModel('cohere.embed-multilingual-v3')
      .embed({ input: ['x'] })
      .catch((error: unknown) => error);
    expect(RateLimitError.isInstance(failure)).toBe(true);
  });
});
