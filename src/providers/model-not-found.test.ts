/**
 * Every adapter turns its provider's "this model does not exist" answer (status and wording as each API sends
 * it) into a ModelNotFoundError carrying the model id, and does not retry it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelNotFoundError, NotFoundError } from '../spec/errors.js';
import type { Provider } from '../spec/provider.js';
import { type MockUpstream, sendJson, startMockUpstream } from '../test-support/mock-upstream.js';
import { createAnthropic } from './anthropic/anthropic-provider.js';
import { createAzure } from './azure/azure-provider.js';
import { createBedrock } from './bedrock/bedrock-provider.js';
import { createCohere } from './cohere/cohere-provider.js';
import { createDeepSeek } from './deepseek/deepseek-provider.js';
import { createFireworks } from './fireworks/fireworks-provider.js';
import { createGatewayz } from './gatewayz/gatewayz-provider.js';
import { createGemini } from './google/gemini-provider.js';
import { createVertex } from './google/vertex-provider.js';
import { createGroq } from './groq/groq-provider.js';
import { createLlamaGate } from './llamagate/llamagate-provider.js';
import { createMeta } from './meta/meta-provider.js';
import { createMistral } from './mistral/mistral-provider.js';
import { createOllama } from './ollama/ollama-provider.js';
import { createOpenAI } from './openai/openai-provider.js';
import { createOpenAICompatible } from './openai-compatible/openai-compatible-provider.js';
import { createTogether } from './together/together-provider.js';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());

interface Case {
  name: string;
  provider: (url: string) => Provider;
  model: string;
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const openaiShaped = (message: string, code: string | null, type = 'invalid_request_error') => ({
  error: { message, type, param: null, code },
});

const cases: Case[] = [
  {
    name: 'OpenAI model_not_found',
    provider: (url) => createOpenAI({ apiKey: 'k', baseURL: `${url}/v1`, env: {} }),
    model: 'gpt-nope',
    status: 404,
    body: openaiShaped('The model `gpt-nope` does not exist or you do not have access to it.', 'model_not_found'),
  },
  {
    name: 'Groq model_not_found',
    provider: (url) => createGroq({ apiKey: 'k', baseURL: `${url}/openai/v1`, env: {} }),
    model: 'llama-nope',
    status: 404,
    body: openaiShaped('The model `llama-nope` does not exist or you do not have access to it.', 'model_not_found'),
  },
  {
    name: 'Anthropic not_found_error',
    provider: (url) => createAnthropic({ apiKey: 'k', baseURL: `${url}/v1`, env: {} }),
    model: 'claude-nope',
    status: 404,
    body: { type: 'error', error: { type: 'not_found_error', message: 'model: claude-nope' } },
  },
  {
    name: 'Gemini NOT_FOUND',
    provider: (url) => createGemini({ apiKey: 'k', baseURL: `${url}/v1beta`, env: {} }),
    model: 'gemini-nope',
    status: 404,
    body: {
      error: {
        code: 404,
        message:
          'models/gemini-nope is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.',
        status: 'NOT_FOUND',
      },
    },
  },
  {
    name: 'Bedrock ValidationException (invalid model identifier)',
    provider: (url) =>
      createBedrock({ baseURL: url, region: 'us-east-1', accessKeyId: 'AKID', secretAccessKey: 'secret', env: {} }),
    model: 'anthropic.claude-nope',
    status: 400,
    headers: { 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' },
    body: { message: 'The provided model identifier is invalid.' },
  },
  {
    name: 'Cohere 404',
    provider: (url) => createCohere({ apiKey: 'k', baseURL: url, env: {} }),
    model: 'command-nope',
    status: 404,
    body: {
      id: 'e2c1',
      message:
        "model 'command-nope' not found, make sure the correct model ID was used and that you have access to the model.",
    },
  },
  {
    name: 'Mistral 400 Invalid model',
    provider: (url) => createMistral({ apiKey: 'k', baseURL: `${url}/v1`, env: {} }),
    model: 'mistral-nope',
    status: 400,
    body: { object: 'error', message: 'Invalid model: mistral-nope', type: 'invalid_model', param: null, code: '1500' },
  },
  {
    name: 'DeepSeek Model Not Exist',
    provider: (url) => createDeepSeek({ apiKey: 'k', baseURL: url, env: {} }),
    model: 'deepseek-nope',
    status: 400,
    body: openaiShaped('Model Not Exist', 'invalid_request_error'),
  },
  {
    name: 'Together model_not_available',
    provider: (url) => createTogether({ apiKey: 'k', baseURL: `${url}/v1`, env: {} }),
    model: 'org/nope',
    status: 404,
    body: openaiShaped(
      'Unable to access model org/nope. Please visit https://api.together.ai/models.',
      'model_not_available',
    ),
  },
  {
    name: 'Fireworks model not found',
    provider: (url) => createFireworks({ apiKey: 'k', baseURL: `${url}/inference/v1`, env: {} }),
    model: 'accounts/fireworks/models/nope',
    status: 404,
    body: {
      error: {
        object: 'error',
        type: 'invalid_request_error',
        message: 'Model not found, inaccessible, and/or not deployed',
      },
    },
  },
  {
    name: 'Azure DeploymentNotFound',
    provider: (url) => createAzure({ endpoint: url, apiKey: 'k', env: {} }),
    model: 'nope-deployment',
    status: 404,
    body: {
      error: {
        code: 'DeploymentNotFound',
        message:
          'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.',
      },
    },
  },
  {
    name: 'Vertex AI NOT_FOUND (publisher model)',
    provider: (url) =>
      createVertex({ baseURL: url, projectId: 'p', location: 'us-central1', accessToken: 'ya29.t', env: {} }),
    model: 'gemini-nope',
    status: 404,
    body: {
      error: {
        code: 404,
        message:
          'Publisher Model `projects/p/locations/us-central1/publishers/google/models/gemini-nope` was not found or your project does not have access to it. Please ensure you are using a valid model version.',
        status: 'NOT_FOUND',
      },
    },
  },
  {
    name: 'Meta Llama API (OpenAI-compatible) model not found',
    provider: (url) => createMeta({ endpoint: `${url}/compat/v1`, apiKey: 'k', env: {} }),
    model: 'Llama-nope',
    status: 404,
    body: openaiShaped('Model Llama-nope not found', 'model_not_found'),
  },
  {
    name: 'Gatewayz model not found',
    provider: (url) => createGatewayz({ apiKey: 'k', baseURL: `${url}/v1`, env: {} }),
    model: 'openai/gpt-nope',
    status: 404,
    body: { detail: 'Model openai/gpt-nope not found' },
  },
  {
    name: 'LlamaGate-hosted (a LlamaGate gateway) model_not_found',
    provider: (url) => createLlamaGate({ apiKey: 'k', baseURL: `${url}/v1`, env: {} }),
    model: 'llama-nope',
    status: 404,
    body: openaiShaped('The model `llama-nope` does not exist', 'model_not_found', 'not_found_error'),
  },
  {
    name: 'vLLM (OpenAI-compatible) NotFoundError',
    provider: (url) => createOpenAICompatible({ name: 'vllm', baseURL: `${url}/v1`, apiKeyRequired: false, env: {} }),
    model: 'org/nope',
    status: 404,
    body: {
      object: 'error',
      message: 'The model `org/nope` does not exist.',
      type: 'NotFoundError',
      param: null,
      code: 404,
    },
  },
  {
    name: 'Ollama model "x" not found',
    provider: (url) => createOllama({ baseURL: url, env: {} }),
    model: 'llama-nope',
    status: 404,
    body: { error: 'model "llama-nope" not found, try pulling it first' },
  },
];

/** Adapters with embeddings (and the model asked for there, when the chat one cannot name an embedding model). */
const EMBEDDING_CASES = new Map<string, string | undefined>([
  ['OpenAI model_not_found', undefined],
  ['Gemini NOT_FOUND', undefined],
  ['Bedrock ValidationException (invalid model identifier)', 'amazon.titan-embed-text-nope'],
  ['Cohere 404', undefined],
  ['Mistral 400 Invalid model', undefined],
  ['Together model_not_available', undefined],
  ['Fireworks model not found', undefined],
  ['Azure DeploymentNotFound', undefined],
  ['Vertex AI NOT_FOUND (publisher model)', undefined],
  ['LlamaGate-hosted (a LlamaGate gateway) model_not_found', undefined],
  ['vLLM (OpenAI-compatible) NotFoundError', undefined],
  ['Ollama model "x" not found', undefined],
]);

describe('a model the provider does not have', () => {
  it.each(cases)('$name → ModelNotFoundError with .model', async ({ provider, model, status, body, headers }) => {
    upstream.requests.length = 0;
    upstream.handle((_, response) => sendJson(response, status, body, headers));
    const failure = await provider(upstream.url)
      .chatModel(model)
      .generate({ messages: [{ role: 'user', content: 'Hi' }] })
      .catch((error: unknown) => error);
    expect(ModelNotFoundError.isInstance(failure), String(failure)).toBe(true);
    expect(failure).toMatchObject({ model, status: 404, code: 'model_not_found', isRetryable: false });
    expect(upstream.requests).toHaveLength(1);
  });

  it.each(cases)(
    '$name, streamed → ModelNotFoundError with .model',
    async ({ provider, model, status, body, headers }) => {
      upstream.requests.length = 0;
      upstream.handle((_, response) => sendJson(response, status, body, headers));
      const failure = await provider(upstream.url)
        .chatModel(model)
        .stream({ messages: [{ role: 'user', content: 'Hi' }] })
        .then(async (result) => {
          for await (const part of result.parts) if (part.type === 'error') throw part.error;
          return result;
        })
        .catch((error: unknown) => error);
      expect(ModelNotFoundError.isInstance(failure), String(failure)).toBe(true);
      expect(failure).toMatchObject({ model, status: 404, code: 'model_not_found', isRetryable: false });
      expect(upstream.requests).toHaveLength(1);
    },
  );

  it.each(cases.filter((entry) => EMBEDDING_CASES.has(entry.name)))(
    '$name, embeddings → ModelNotFoundError with .model',
    async ({ name, provider, model: chatModel, status, body, headers }) => {
      const model = EMBEDDING_CASES.get(name) ?? chatModel;
      upstream.requests.length = 0;
      upstream.handle((_, response) => sendJson(response, status, body, headers));
      const failure = await provider(upstream.url)
        .embeddingModel(model)
        .embed({ input: ['Hi'] })
        .catch((error: unknown) => error);
      expect(ModelNotFoundError.isInstance(failure), String(failure)).toBe(true);
      expect(failure).toMatchObject({ model, status: 404, code: 'model_not_found', isRetryable: false });
      expect(upstream.requests).toHaveLength(1);
    },
  );

  it('keeps a 404 that is not about a model a plain NotFoundError', async () => {
    upstream.handle((_, response) => sendJson(response, 404, { error: { message: 'Not Found', type: 'not_found' } }));
    const failure = await createOpenAI({ apiKey: 'k', baseURL: `${upstream.url}/v1`, env: {} })
      .chatModel('gpt-4o-mini')
      .generate({ messages: [{ role: 'user', content: 'Hi' }] })
      .catch((error: unknown) => error);
    expect(NotFoundError.isInstance(failure)).toBe(true);
    expect(ModelNotFoundError.isInstance(failure)).toBe(false);
  });
});
