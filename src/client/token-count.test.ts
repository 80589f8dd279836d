import { encodeChat as encodeChatCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { encodeChat as encodeChatO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openaiBody } from '../test-support/client-mocks.js';
import { type MockUpstream, sendJson, startMockUpstream } from '../test-support/mock-upstream.js';
import { LlamaGate } from './llamagate-client.js';
import { countTokens, estimateCost, tokenizerFor } from './token-count.js';

let hosted: MockUpstream;
beforeAll(async () => {
  hosted = await startMockUpstream();
});
afterAll(() => hosted.close());

const conversation = [
  { role: 'system' as const, content: 'You are a helpful assistant that answers in French.' },
  { role: 'user' as const, content: 'How many legs does a spider have? Explain briefly.' },
  { role: 'assistant' as const, content: 'Une araignée a huit pattes.' },
  { role: 'user' as const, content: 'And an ant — 🐜?' },
];

describe('countTokens', () => {
  it("is exact for OpenAI models, matching OpenAI's chat framing", () => {
    expect(countTokens({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello, world!' }] })).toBe(11);
    expect(countTokens({ model: 'openai/gpt-4o-mini', messages: conversation })).toBe(
      encodeChatO200k(conversation, 'gpt-4o').length,
    );
    expect(countTokens({ model: 'gpt-4', messages: conversation })).toBe(
      encodeChatCl100k(conversation, 'gpt-4').length,
    );
    expect(tokenizerFor('gpt-4.1-nano')).toEqual({ tokenizer: 'o200k_base', exact: true });
    expect(tokenizerFor('text-embedding-3-small')).toEqual({ tokenizer: 'cl100k_base', exact: true });
  });

  it('approximates other models as the o200k_base count plus 10%', () => {
    const exact = countTokens({ model: 'gpt-4o', messages: conversation });
    expect(countTokens({ model: 'claude-sonnet-4-5', messages: conversation })).toBe(Math.ceil(exact * 1.1));
    expect(tokenizerFor('groq/llama-3.1-8b-instant')).toEqual({ tokenizer: 'o200k_base', exact: false });
  });

  it('counts plain text, images at their default price, and tool definitions', () => {
    expect(countTokens({ model: 'gpt-4o', text: 'Hello, world!' })).toBe(4);
    const image = (detail: 'low' | 'high') => ({
      role: 'user' as const,
      content: [{ type: 'image_url' as const, image_url: { url: 'https://example.com/a.png', detail } }],
    });
    expect(countTokens({ model: 'gpt-4o', messages: [image('low')] })).toBe(3 + 1 + 85 + 3);
    expect(countTokens({ model: 'gpt-4o', messages: [image('high')] })).toBe(3 + 1 + 765 + 3);
    const withTools = countTokens({
      model: 'gpt-4o',
      text: 'x',
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
    });
    expect(withTools).toBeGreaterThan(10);
  });
});

describe('estimateCost', () => {
  it('prices usage with the shipped price table, cached input at its own price', () => {
    expect(estimateCost({ model: 'gpt-4o-mini', usage: { promptTokens: 1000, completionTokens: 500 } })).toEqual({
      usd: 0.00045,
      micros: 450,
      priced: true,
      promptTokens: 1000,
      completionTokens: 500,
    });
    const cached = estimateCost({
      model: 'gpt-4o-mini-2024-07-18',
      usage: { promptTokens: 1000, completionTokens: 0, cachedTokens: 1000 },
    });
    expect(cached.micros).toBe(75);
  });

  it('estimates before a call from the prompt and maxTokens, and says when a model has no price', () => {
    const estimate = estimateCost({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hello, world!' }],
      maxTokens: 100,
    });
    expect(estimate).toMatchObject({ promptTokens: 11, completionTokens: 100, micros: 1028, priced: true });
    expect(estimateCost({ model: 'my-own-model', usage: { promptTokens: 10 } })).toMatchObject({
      priced: false,
      usd: 0,
    });
    expect(
      estimateCost({
        model: 'my-own-model',
        usage: { promptTokens: 1_000_000 },
        prices: { 'my-own-model': { input: '1.5' } },
      }).usd,
    ).toBe(1.5);
  });

  it("prices a response by the provider that served it: a hosted model's price never goes to a local namesake", async () => {
    const usage = { promptTokens: 1000, completionTokens: 500 };
    // $0.03 and $0.05 per 1M tokens.
    expect(estimateCost({ model: 'llama-3.1-8b', provider: 'llamagate', usage })).toMatchObject({
      micros: 55,
      priced: true,
    });
    expect(estimateCost({ model: 'llama-3.1-8b', provider: 'ollama', usage }).priced).toBe(false);
    expect(estimateCost({ model: 'nomic-embed-text:latest', provider: 'ollama', usage }).priced).toBe(false);
    expect(estimateCost({ model: 'gpt-4o-mini-2024-07-18', provider: 'openai', usage }).micros).toBe(450);

    hosted.handle((_, response) => {
      const body = openaiBody({ content: 'Hi!' }) as Record<string, unknown>;
      sendJson(response, 200, {
        ...body,
        model: 'llama-3.1-8b',
        usage: { prompt_tokens: 1000, completion_tokens: 500 },
      });
    });
    const gate = new LlamaGate({ env: {}, providers: { llamagate: { apiKey: 'lg', baseURL: `${hosted.url}/v1` } } });
    const response = await gate.completion({
      model: 'llamagate/llama-3.1-8b',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect([response.provider, response.model]).toEqual(['llamagate', 'llama-3.1-8b']);
    expect(estimateCost(response)).toMatchObject({ micros: 55, priced: true });
  });
});
