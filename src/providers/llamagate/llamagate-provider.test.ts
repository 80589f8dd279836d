import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../spec/errors.js';
import { collect, type MockUpstream, startMockUpstream } from '../../test-support/mock-upstream.js';
import { openaiReplay } from '../../test-support/replay-openai.js';
import { llamagateDefinition } from './index.js';
import { createLlamaGate, LLAMAGATE_DEFAULT_BASE_URL } from './llamagate-provider.js';

// A LlamaGate gateway answers in OpenAI's format with whatever its backend produced: `xai-text` is a real
// OpenAI-compatible recording (reasoning then text) as a gateway relays it; `openai-embedding` is OpenAI's.
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
  llamagateDefinition.create({ env: { LLAMAGATE_API_KEY: 'lg-key', LLAMAGATE_API_BASE: `${upstream.url}/v1` } });

describe('llamagate', () => {
  it('posts a chat request with the gateway key and translates reasoning and text', async () => {
    upstream.handle(openaiReplay(fixtures, 'xai-text'));
    const result = await provider()
      .chatModel('llama-3.1-8b')
      .generate({ messages: [{ role: 'user', content: 'Say a single word.' }], maxTokens: 50, user: 'u-1' });
    expect(upstream.requests[0]?.path).toBe('/v1/chat/completions');
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer lg-key');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "max_tokens": 50,
        "messages": [
          {
            "content": "Say a single word.",
            "role": "user",
          },
        ],
        "model": "llama-3.1-8b",
        "user": "u-1",
      }
    `);
    expect(result.provider).toBe('llamagate');
    expect(result.choices[0]?.message.content).toBe('Grok');
    expect(result.choices[0]?.message.reasoningContent).toMatch(/^First, the user said/);
    expect(result.usage).toMatchObject({ promptTokens: 12, completionTokens: 2, reasoningTokens: 320 });
  });

  it('forwards a client body byte for byte, vision parts and unknown fields included', async () => {
    upstream.handle(openaiReplay(fixtures, 'xai-text'));
    const raw = Buffer.from(
      JSON.stringify({
        model: 'qwen3-vl-8b',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            ],
          },
        ],
        metadata: { team: 'a' },
      }),
    );
    const openaiBody = JSON.parse(raw.toString()) as Record<string, unknown>;
    await provider()
      .chatModel('qwen3-vl-8b')
      .generate({ messages: [] }, { passthrough: { format: 'openai-chat', body: openaiBody, bytes: raw } });
    expect(upstream.requests[0]?.rawBody.equals(raw)).toBe(true);
  });

  it('streams reasoning before text, then usage', async () => {
    upstream.handle(openaiReplay(fixtures, 'xai-text'));
    const stream = await provider()
      .chatModel('llama-3.1-8b')
      .stream({ messages: [{ role: 'user', content: 'Say a single word.' }] });
    const parts = await collect(stream.parts);
    expect(parts.flatMap((p) => (p.type === 'text-delta' ? [p.delta] : [])).join('')).toBe('Grok');
    expect(parts.findLastIndex((p) => p.type === 'reasoning-delta')).toBeLessThan(
      parts.findIndex((p) => p.type === 'text-delta'),
    );
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { promptTokens: 12, completionTokens: 2, totalTokens: 354, cachedTokens: 11, reasoningTokens: 340 },
    });
  });

  it('embeds through the gateway', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-embedding'));
    const result = await provider()
      .embeddingModel('nomic-embed-text')
      .embed({ input: ['a', 'b'] });
    expect(upstream.requests[0]?.path).toBe('/v1/embeddings');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "encoding_format": "float",
        "input": [
          "a",
          "b",
        ],
        "model": "nomic-embed-text",
      }
    `);
    expect(result.embeddings).toHaveLength(2);
  });

  it('requires LLAMAGATE_API_KEY for the hosted API, without a network call', async () => {
    expect(LLAMAGATE_DEFAULT_BASE_URL).toBe('https://api.llamagate.dev/v1');
    const failure = await createLlamaGate({ env: {} })
      .chatModel('llama-3.1-8b')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toContain('LLAMAGATE_API_KEY');
    expect(upstream.requests).toHaveLength(0);
  });

  it('talks to a self-hosted gateway without a key', async () => {
    upstream.handle(openaiReplay(fixtures, 'xai-text'));
    await createLlamaGate({ baseURL: `${upstream.url}/v1`, env: {} })
      .chatModel('openai/gpt-4o-mini')
      .generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(upstream.requests[0]?.headers.authorization).toBeUndefined();
    expect(upstream.requests[0]?.body).toMatchObject({ model: 'openai/gpt-4o-mini' });
  });
});
