import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ChatRequest,
  type ChatResult,
  createOpenAI,
  createOpenAICompatible,
  type LanguageModel,
  LlamaGate,
  lazyProvider,
  type Provider,
} from '../index.js';
import { EmbeddingsNotSupportedError } from '../spec/errors.js';
import { fixtureDirs } from '../test-support/client-mocks.js';
import { type MockUpstream, startMockUpstream } from '../test-support/mock-upstream.js';
import { openaiReplay } from '../test-support/replay-openai.js';

let openai: MockUpstream;
beforeAll(async () => {
  openai = await startMockUpstream();
  openai.handle(openaiReplay(fixtureDirs.openai, 'openai-text'));
});
afterAll(() => openai.close());

/** A third-party adapter written against the exported spec: it echoes the last user message. */
function echoProvider(): Provider {
  const chatModel = (modelId: string): LanguageModel => ({
    provider: 'echo',
    modelId,
    async generate(request: ChatRequest): Promise<ChatResult> {
      const last = request.messages.at(-1);
      const text = typeof last?.content === 'string' ? last.content : '';
      return {
        id: 'echo-1',
        created: 0,
        provider: 'echo',
        model: modelId,
        choices: [{ index: 0, message: { role: 'assistant', content: text }, finishReason: 'stop' }],
        usage: { promptTokens: 1, completionTokens: 1, totalTokens: 2 },
        warnings: [],
      };
    },
    stream: () => Promise.reject(new Error('not streamed')),
  });
  return {
    id: 'echo',
    chatModel,
    embeddingModel: (modelId) => {
      throw new EmbeddingsNotSupportedError({ message: 'no embeddings', provider: 'echo', model: modelId });
    },
  };
}

describe('provider factories and the spec, from the root entry', () => {
  it('createOpenAI builds a provider with explicit settings, loading its adapter on the first call', async () => {
    const provider = createOpenAI({ apiKey: 'sk-explicit', baseURL: `${openai.url}/v1`, env: {} });
    expect(provider.id).toBe('openai');
    const result = await provider.chatModel('gpt-4o-mini').generate({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(openai.requests.at(-1)?.headers.authorization).toBe('Bearer sk-explicit');
    expect(result.provider).toBe('openai');
    const gate = new LlamaGate({ providers: { mine: provider } });
    const response = await gate.completion({ model: 'mine/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    expect(response.provider).toBe('openai');
  });

  it('createOpenAICompatible serves a local server without a key, and sends one when given', async () => {
    const local = createOpenAICompatible({ name: 'vllm', baseURL: `${openai.url}/v1`, env: {} });
    const result = await local.chatModel('llama-3.1-8b').generate({ messages: [{ role: 'user', content: 'Hi' }] });
    expect([result.provider, openai.requests.at(-1)?.headers.authorization]).toEqual(['vllm', undefined]);
    const keyed = createOpenAICompatible({ name: 'vllm', baseURL: `${openai.url}/v1`, apiKey: 'vk', env: {} });
    await keyed.chatModel('llama-3.1-8b').generate({ messages: [{ role: 'user', content: 'Hi' }] });
    expect(openai.requests.at(-1)?.headers.authorization).toBe('Bearer vk');
  });

  it('a third-party adapter plugs into LlamaGate by its key, lazily or not', async () => {
    const gate = new LlamaGate({
      providers: { echo: echoProvider(), later: lazyProvider('echo', async () => echoProvider()) },
    });
    const direct = await gate.completion({ model: 'echo/any', messages: [{ role: 'user', content: 'ping' }] });
    expect([direct.text, direct.model]).toEqual(['ping', 'any']);
    const lazy = await gate.completion({
      model: 'x',
      provider: 'later',
      messages: [{ role: 'user', content: 'pong' }],
    });
    expect(lazy.text).toBe('pong');
  });
});
