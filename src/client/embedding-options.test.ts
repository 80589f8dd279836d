import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createVertex } from '../index.js';
import { bodyOf, type MockUpstream, readFixture, sendJson, startMockUpstream } from '../test-support/mock-upstream.js';
import { LlamaGate } from './llamagate-client.js';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const vector = [0.5, -0.25, 1];
const base64 = Buffer.from(Float32Array.from(vector).buffer).toString('base64');

function openaiEmbeddings(): void {
  upstream.handle((request, response) => {
    const asBase64 = bodyOf(request).encoding_format === 'base64';
    sendJson(response, 200, {
      object: 'list',
      model: 'text-embedding-3-small',
      data: [{ object: 'embedding', index: 0, embedding: asBase64 ? base64 : vector }],
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
  });
}

const gate = () =>
  new LlamaGate({
    env: {},
    providers: {
      openai: { apiKey: 'sk', baseURL: `${upstream.url}/v1` },
      mistral: { apiKey: 'mk', baseURL: `${upstream.url}/v1` },
      gemini: { apiKey: 'gk', baseURL: `${upstream.url}/v1beta` },
      azure: { apiKey: 'ak', options: { endpoint: upstream.url, apiVersion: '2024-10-21' } },
      cohere: { apiKey: 'ck', baseURL: upstream.url },
      ollama: { baseURL: upstream.url },
    },
  });

describe('embedding options', () => {
  it("encodingFormat: 'base64' asks OpenAI, Mistral and Azure for base64 and returns number arrays", async () => {
    openaiEmbeddings();
    const openai = await gate().embed({
      model: 'openai/text-embedding-3-small',
      input: 'hi',
      encodingFormat: 'base64',
    });
    expect(bodyOf(upstream.requests[0]).encoding_format).toBe('base64');
    expect(openai.embeddings).toEqual([vector]);
    const mistral = await gate().embed({ model: 'mistral/mistral-embed', input: 'hi', encodingFormat: 'base64' });
    expect(bodyOf(upstream.requests[1])).toEqual({ model: 'mistral-embed', input: ['hi'], encoding_format: 'base64' });
    expect(mistral.embeddings).toEqual([vector]);
    await gate().embed({ model: 'openai/text-embedding-3-small', input: 'hi' });
    expect(bodyOf(upstream.requests[2]).encoding_format).toBe('float');
    const azure = await gate().embed({ model: 'azure/my-embeddings', input: 'hi', encodingFormat: 'base64' });
    expect(upstream.requests[3]?.path).toBe('/openai/deployments/my-embeddings/embeddings');
    expect(bodyOf(upstream.requests[3]).encoding_format).toBe('base64');
    expect([azure.embeddings, azure.warnings]).toEqual([[vector], []]);
  });

  it('warns where the provider sends only floats (Cohere, Ollama), with the same vectors', async () => {
    upstream.handle((request, response) =>
      request.path === '/api/embed'
        ? sendJson(response, 200, { model: 'nomic-embed-text', embeddings: [vector] })
        : sendJson(response, 200, readFixture('cohere', 'cohere-embedding.json')),
    );
    const dropped = [{ type: 'unsupported-setting', setting: 'encodingFormat' }];
    const cohere = await gate().embed({
      model: 'cohere/embed-v4.0',
      input: ['sunny day at the beach', 'rainy day in the city'],
      encodingFormat: 'base64',
    });
    expect(bodyOf(upstream.requests[0]).embedding_types).toEqual(['float']);
    expect(cohere.embeddings[0]?.[0]).toBe(0.03302002);
    expect(cohere.warnings).toMatchObject(dropped);
    const ollama = await gate().embed({ model: 'ollama/nomic-embed-text', input: 'hi', encodingFormat: 'base64' });
    expect(ollama.embeddings).toEqual([vector]);
    expect(ollama.warnings).toMatchObject(dropped);
    const plain = await gate().embed({ model: 'ollama/nomic-embed-text', input: 'hi' });
    expect(plain.warnings).toEqual([]);
  });

  it("sends Gemini's title with taskType RETRIEVAL_DOCUMENT, and warns when it has to drop it", async () => {
    upstream.handle((_, response) => sendJson(response, 200, { embeddings: [{ values: vector }] }));
    const withTitle = await gate().embed({
      model: 'gemini/gemini-embedding-001',
      input: 'The cat sat.',
      providerOptions: { gemini: { taskType: 'RETRIEVAL_DOCUMENT', title: 'Cats' } },
    });
    expect(bodyOf(upstream.requests[0]).requests).toEqual([
      {
        model: 'models/gemini-embedding-001',
        content: { parts: [{ text: 'The cat sat.' }] },
        taskType: 'RETRIEVAL_DOCUMENT',
        title: 'Cats',
      },
    ]);
    expect(withTitle.warnings).toEqual([]);
    const dropped = await gate().embed({
      model: 'gemini/gemini-embedding-001',
      input: 'q',
      providerOptions: { gemini: { taskType: 'RETRIEVAL_QUERY', title: 'Cats' } },
    });
    expect((bodyOf(upstream.requests[1]).requests as Record<string, unknown>[])[0]?.title).toBeUndefined();
    expect(dropped.warnings).toMatchObject([{ type: 'unsupported-setting', setting: 'title' }]);
  });

  it("sends Vertex AI's title with task_type RETRIEVAL_DOCUMENT", async () => {
    upstream.handle((_, response) =>
      sendJson(response, 200, { predictions: [{ embeddings: { values: vector, statistics: { token_count: 3 } } }] }),
    );
    const vertex = createVertex({
      baseURL: upstream.url,
      projectId: 'p',
      location: 'us-central1',
      accessToken: 't',
      env: {},
    });
    const result = await vertex.embeddingModel('text-embedding-005').embed({
      input: ['The cat sat.'],
      providerOptions: { vertex: { taskType: 'RETRIEVAL_DOCUMENT', title: 'Cats' } },
    });
    expect(bodyOf(upstream.requests[0]).instances).toEqual([
      { content: 'The cat sat.', task_type: 'RETRIEVAL_DOCUMENT', title: 'Cats' },
    ]);
    expect([result.embeddings, result.warnings]).toEqual([[vector], []]);
  });
});
