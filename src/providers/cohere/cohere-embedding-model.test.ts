import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BadRequestError } from '../../spec/errors.js';
import { type MockUpstream, readFixture, sendJson, startMockUpstream } from '../../test-support/mock-upstream.js';
import { cohereReplay } from '../../test-support/replay-cohere.js';
import { createCohere } from './cohere-provider.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const model = () => createCohere({ baseURL: `${upstream.url}/v2`, apiKey: 'test-key' }).embeddingModel('embed-v4.0');

describe('cohere embeddings', () => {
  it('sends a v2 embed body and translates the recorded response', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-embedding'));
    const embedding = model();
    expect(embedding.maxEmbeddingsPerCall).toBe(96);
    const result = await embedding.embed({
      input: ['sunny day at the beach', 'rainy day in the city'],
      dimensions: 256,
    });
    expect(upstream.requests[0]?.path).toBe('/v2/embed');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "embedding_types": [
          "float",
        ],
        "input_type": "search_document",
        "model": "embed-v4.0",
        "output_dimension": 256,
        "texts": [
          "sunny day at the beach",
          "rainy day in the city",
        ],
      }
    `);
    expect(result).toEqual({
      provider: 'cohere',
      model: 'embed-v4.0',
      embeddings: [
        [0.03302002, 0.020904541, -0.019744873, -0.0625, 0.04437256],
        [-0.04660034, 0.00037765503, -0.061157227, -0.08239746, -0.010360718],
      ],
      usage: { promptTokens: 10, totalTokens: 10 },
      warnings: [],
      raw: readFixture('cohere', 'cohere-embedding.json'),
      response: { status: 200, headers: expect.any(Object) },
    });
  });

  it('takes inputType and truncate from providerOptions.cohere and warns about user', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-embedding'));
    const result = await model().embed({
      input: ['sunny day at the beach', 'rainy day in the city'],
      user: 'u1',
      providerOptions: { cohere: { inputType: 'search_query', truncate: 'END' } },
    });
    expect(upstream.requests[0]?.body).toMatchObject({ input_type: 'search_query', truncate: 'END' });
    expect(result.warnings).toEqual([expect.objectContaining({ setting: 'user' })]);
    await expect(
      model().embed({ input: ['x'], providerOptions: { cohere: { inputType: 'poetry' } } }),
    ).rejects.toSatisfy((error: unknown) => BadRequestError.isInstance(error));
  });

  it('splits more than 96 inputs into calls of 96, keeping order and summing usage', async () => {
    upstream.handle((request, res) => {
      const texts = (request.body as { texts: string[] }).texts;
      sendJson(res, 200, {
        id: 'x',
        embeddings: { float: texts.map((text) => [Number(text)]) },
        meta: { billed_units: { input_tokens: texts.length } },
      });
    });
    const input = Array.from({ length: 100 }, (_, index) => String(index));
    const result = await model().embed({ input });
    expect(upstream.requests.map((request) => (request.body as { texts: string[] }).texts.length)).toEqual([96, 4]);
    expect(result.embeddings).toEqual(input.map((text) => [Number(text)]));
    expect(result.usage).toEqual({ promptTokens: 100, totalTokens: 100 });
  });

  it('makes no call for an empty input', async () => {
    const result = await model().embed({ input: [] });
    expect(result.embeddings).toEqual([]);
    expect(upstream.requests).toHaveLength(0);
  });

  it('rejects a response whose vector count does not match the input', async () => {
    upstream.handle(cohereReplay(fixtures, 'cohere-embedding'));
    await expect(model().embed({ input: ['only one'] })).rejects.toMatchObject({ code: 'upstream_error' });
  });
});
