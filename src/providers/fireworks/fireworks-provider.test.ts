import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../spec/errors.js';
import { collect, type MockUpstream, startMockUpstream } from '../../test-support/mock-upstream.js';
import { openaiReplay } from '../../test-support/replay-openai.js';
import { createFireworks } from './fireworks-provider.js';
import { fireworksDefinition } from './index.js';

// No Fireworks recording exists: `mistral-text` is real OpenAI-compatible traffic with the usage in the
// finishing chunk, as Fireworks streams it; `openai-embedding` is OpenAI's real embeddings answer.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const provider = () =>
  fireworksDefinition.create({
    env: { FIREWORKS_API_KEY: 'fw-key', FIREWORKS_API_BASE: `${upstream.url}/inference/v1` },
  });

describe('fireworks', () => {
  it('posts to /inference/v1/chat/completions, expanding a bare model name to its account path', async () => {
    upstream.handle(openaiReplay(fixtures, 'mistral-text'));
    const result = await provider()
      .chatModel('llama-v3p1-8b-instruct')
      .generate({ messages: [{ role: 'user', content: 'Invent a holiday.' }], maxTokens: 500, seed: 7 });
    expect(upstream.requests[0]?.path).toBe('/inference/v1/chat/completions');
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer fw-key');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "max_tokens": 500,
        "messages": [
          {
            "content": "Invent a holiday.",
            "role": "user",
          },
        ],
        "model": "accounts/fireworks/models/llama-v3p1-8b-instruct",
        "seed": 7,
      }
    `);
    expect(result.provider).toBe('fireworks');
    expect(result.choices[0]?.message.content).toMatch(/^\*\*Holiday Name: "World Kindness Day of Sharing"\*\*/);
    expect(result.choices[0]?.finishReason).toBe('stop');
    expect(result.usage).toEqual({ promptTokens: 13, completionTokens: 434, totalTokens: 447 });
    expect(result.warnings).toEqual([]);
  });

  it('maps reasoning_effort "minimal" to "low" with a warning and keeps full model paths', async () => {
    upstream.handle(openaiReplay(fixtures, 'mistral-text'));
    const result = await provider()
      .chatModel('accounts/acme/models/my-tune')
      .generate({ messages: [{ role: 'user', content: 'x' }], reasoningEffort: 'minimal' });
    expect(upstream.requests[0]?.body).toMatchObject({
      model: 'accounts/acme/models/my-tune',
      reasoning_effort: 'low',
    });
    expect(result.warnings).toMatchObject([{ type: 'unsupported-setting', setting: 'reasoning_effort' }]);
  });

  it('streams the recording with usage from the finishing chunk', async () => {
    upstream.handle(openaiReplay(fixtures, 'mistral-text'));
    const stream = await provider()
      .chatModel('llama-v3p1-8b-instruct')
      .stream({ messages: [{ role: 'user', content: 'Hello' }] });
    const parts = await collect(stream.parts);
    const text = parts.flatMap((p) => (p.type === 'text-delta' ? [p.delta] : [])).join('');
    expect(text).toBe('Hello, world! This is a test response.');
    expect(parts.slice(-2)).toEqual([
      { type: 'finish', choiceIndex: 0, finishReason: 'stop', rawFinishReason: 'stop' },
      { type: 'usage', usage: { promptTokens: 13, completionTokens: 8, totalTokens: 21 } },
    ]);
  });

  it('embeds with dimensions (matryoshka models take them)', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-embedding'));
    const result = await provider()
      .embeddingModel('nomic-ai/nomic-embed-text-v1.5')
      .embed({ input: ['a', 'b'], dimensions: 5 });
    expect(upstream.requests[0]?.path).toBe('/inference/v1/embeddings');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "dimensions": 5,
        "encoding_format": "float",
        "input": [
          "a",
          "b",
        ],
        "model": "nomic-ai/nomic-embed-text-v1.5",
      }
    `);
    expect(result.embeddings[1]).toHaveLength(5);
  });

  it('fails fast naming FIREWORKS_API_KEY, without a network call', async () => {
    const failure = await createFireworks({ env: {}, baseURL: upstream.url })
      .chatModel('m')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toContain('FIREWORKS_API_KEY');
    expect(upstream.requests).toHaveLength(0);
  });
});
