/**
 * The LlamaGate-hosted catalogue through a billed gateway: prices and capabilities on `/v1/models`, hosted
 * prices kept off a local Ollama model of the same name, and the unpriced-model decision for virtual keys.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LLAMAGATE_CATALOGUE } from '../../src/providers/llamagate/llamagate-catalogue.js';
import { type MockUpstream, readFixture, sendJson, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith, type BillingGateway, MASTER_KEY, startBillingGateway } from './billing-harness.js';

let hosted: MockUpstream;
let ollama: MockUpstream;
let gateway: BillingGateway;

function configFile(unpriced?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lg-catalogue-'));
  const file = join(dir, 'llamagate.yaml');
  writeFileSync(
    file,
    `defaultBackend: ollama
backends:
  - name: ollama
    type: ollama
    config: { endpoint: "${ollama.url}" }
  - name: hosted
    type: llamagate
    config: { endpoint: "${hosted.url}/v1", apiKey: "lg-upstream" }
${unpriced === undefined ? '' : `billing:\n  unpricedModels: ${unpriced}\n`}`,
  );
  return file;
}

beforeAll(async () => {
  [hosted, ollama] = await Promise.all([startMockUpstream(), startMockUpstream()]);
  hosted.handle((request, response) =>
    request.path.endsWith('/models')
      ? sendJson(response, 200, {
          object: 'list',
          data: [...LLAMAGATE_CATALOGUE.map((model) => model.id), 'brand-new-model'].map((id) => ({
            id,
            object: 'model',
            created: 0,
            owned_by: 'llamagate',
          })),
        })
      : answerWith()(request, response),
  );
  ollama.handle((request, response) => {
    if (request.path === '/api/tags') {
      const tags = readFixture('ollama', 'doc-tags.json') as { models: { name: string; model: string }[] };
      const first = tags.models[0];
      if (first !== undefined) {
        for (const name of ['nomic-embed-text:latest', 'mistral-large:latest'])
          tags.models.push({ ...first, name, model: name });
      }
      sendJson(response, 200, tags);
      return;
    }
    sendJson(response, 200, readFixture('ollama', 'doc-chat.json'));
  });
  gateway = await startBillingGateway({
    env: { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-catalogue-data-')), CACHE_ENABLED: 'false' },
    configFile: configFile(),
  });
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all([hosted.close(), ollama.close()]);
});

const ask = (model: string, key: string) =>
  gateway.client(key).chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }] });

describe('the hosted catalogue on /v1/models', () => {
  it('prices every hosted model with its capabilities, and keeps the price off the local namesake', async () => {
    const { data } = await gateway.client(MASTER_KEY).models.list();
    const byId = new Map(data.map((model) => [model.id, model as unknown as Record<string, unknown>]));
    for (const { id } of LLAMAGATE_CATALOGUE) {
      expect(byId.get(`hosted/${id}`)?.pricing, id).toBeDefined();
      expect(byId.get(`hosted/${id}`)?.capabilities, id).toBeDefined();
    }
    expect(byId.get('hosted/nomic-embed-text')).toMatchObject({
      pricing: { input: '0.02', output: '0.00', unit: 'USD per 1M tokens' },
      capabilities: { vision: false, reasoning: false, embeddings: true, tools: false },
    });
    expect(byId.get('hosted/qwen3-vl-8b')).toMatchObject({
      pricing: { input: '0.15', output: '0.55' },
      capabilities: { vision: true, embeddings: false },
    });
    expect(byId.get('hosted/deepseek-r1-8b')).toMatchObject({ capabilities: { reasoning: true } });
    expect(byId.get('hosted/brand-new-model')?.pricing).toBeUndefined();
    const local = byId.get('nomic-embed-text:latest');
    expect(local).toBeDefined();
    expect(local?.pricing).toBeUndefined();
    expect(local?.capabilities).toBeUndefined();
    // Nor does another hosted provider's price (Mistral's mistral-large) go to a local model of that name.
    expect(byId.get('mistral-large:latest')).toBeDefined();
    expect(byId.get('mistral-large:latest')?.pricing).toBeUndefined();
  });
});

describe('billed keys and the catalogue', () => {
  it('charges a hosted model its price, by the backend type behind a named backend', async () => {
    const { key } = await gateway.createKey({ name: 'hosted', credits: 1 });
    const { response } = await ask('hosted/llama-3.1-8b', key).withResponse();
    // 100 prompt tokens at $0.03/1M + 50 completion tokens at $0.05/1M.
    expect(response.headers.get('x-llamagate-cost')).toBe('0.000006');
  });

  it('refuses an unpriced hosted model by default, and serves an unpriced local Ollama model free', async () => {
    const { key } = await gateway.createKey({ name: 'unpriced', credits: 1 });
    const refused = await ask('hosted/brand-new-model', key).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(APIError);
    expect({ status: (refused as APIError).status, code: (refused as APIError).code }).toEqual({
      status: 403,
      code: 'model_not_allowed',
    });
    expect(hosted.requests.some((request) => bodyModel(request.body) === 'brand-new-model')).toBe(false);

    const { response } = await ask('llama3.2', key).withResponse();
    expect(response.headers.get('x-llamagate-cost')).toBe('0.000000');
    // A local model named like a hosted one is served free too, not at the hosted price.
    const namesake = await ask('mistral-large:latest', key).withResponse();
    expect(namesake.response.headers.get('x-llamagate-cost')).toBe('0.000000');
  });

  it("serves unpriced hosted models free only when told to (billing.unpricedModels: 'free')", async () => {
    const open = await startBillingGateway({
      env: { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-catalogue-free-')), CACHE_ENABLED: 'false' },
      configFile: configFile('free'),
    });
    try {
      const { key } = await open.createKey({ name: 'free', credits: 1 });
      const completion = await open
        .client(key)
        .chat.completions.create({ model: 'hosted/brand-new-model', messages: [{ role: 'user', content: 'Hi' }] });
      expect(completion.choices[0]?.message.content).toBe('Hello there!');
    } finally {
      await open.close();
    }
  });
});

function bodyModel(body: unknown): unknown {
  return typeof body === 'object' && body !== null ? (body as { model?: unknown }).model : undefined;
}
