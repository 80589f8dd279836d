import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationError, EmbeddingsNotSupportedError } from '../../spec/errors.js';
import { collect, type MockUpstream, startMockUpstream } from '../../test-support/mock-upstream.js';
import { openaiReplay } from '../../test-support/replay-openai.js';
import { metaDefinition } from './index.js';
import { createMeta, META_DEFAULT_BASE_URL } from './meta-provider.js';

// No Llama API recording exists: `mistral-tool-call` is real OpenAI-compatible traffic (tool calls without an
// `index`, usage in the finishing chunk), a shape Llama hosts answer in too.
const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const weatherTool = {
  type: 'function' as const,
  function: { name: 'weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } },
};

describe('meta (any Llama host)', () => {
  it('posts to the configured endpoint with the key from LLAMA_API_KEY', async () => {
    upstream.handle(openaiReplay(fixtures, 'mistral-tool-call'));
    const llama = metaDefinition.create({
      env: { LLAMA_API_KEY: 'llama-key' },
      options: { endpoint: `${upstream.url}/compat/v1` },
    });
    const result = await llama.chatModel('Llama-4-Maverick-17B-128E-Instruct-FP8').generate({
      messages: [{ role: 'user', content: 'Weather in San Francisco?' }],
      tools: [weatherTool],
      temperature: 0.6,
    });
    expect(upstream.requests[0]?.path).toBe('/compat/v1/chat/completions');
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer llama-key');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "messages": [
          {
            "content": "Weather in San Francisco?",
            "role": "user",
          },
        ],
        "model": "Llama-4-Maverick-17B-128E-Instruct-FP8",
        "temperature": 0.6,
        "tools": [
          {
            "function": {
              "name": "weather",
              "parameters": {
                "properties": {
                  "location": {
                    "type": "string",
                  },
                },
                "type": "object",
              },
            },
            "type": "function",
          },
        ],
      }
    `);
    expect(result.provider).toBe('meta');
    expect(result.choices[0]?.message.toolCalls).toEqual([
      { id: 'gSIMJiOkT', type: 'function', function: { name: 'weather', arguments: '{"location": "San Francisco"}' } },
    ]);
    expect(result.choices[0]?.finishReason).toBe('tool_calls');
    expect(result.usage).toEqual({ promptTokens: 124, completionTokens: 22, totalTokens: 146 });
  });

  it('streams a tool call that arrives with its finish reason and usage in one chunk', async () => {
    upstream.handle(openaiReplay(fixtures, 'mistral-tool-call'));
    const stream = await createMeta({ endpoint: upstream.url, env: {} })
      .chatModel('llama')
      .stream({ messages: [{ role: 'user', content: 'x' }], tools: [weatherTool] });
    const parts = await collect(stream.parts);
    expect(parts.filter((p) => p.type !== 'response-metadata')).toEqual([
      {
        type: 'tool-call-delta',
        choiceIndex: 0,
        toolCallIndex: 0,
        id: 'gSIMJiOkT',
        name: 'weather',
        argumentsDelta: '{"location": "San Francisco"}',
      },
      { type: 'finish', choiceIndex: 0, finishReason: 'tool_calls', rawFinishReason: 'tool_calls' },
      { type: 'usage', usage: { promptTokens: 124, completionTokens: 22, totalTokens: 146 } },
    ]);
  });

  it('sends no key to a self-hosted endpoint that needs none', async () => {
    upstream.handle(openaiReplay(fixtures, 'mistral-tool-call'));
    await createMeta({ endpoint: upstream.url, env: {} })
      .chatModel('llama')
      .generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(upstream.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("requires a key for Meta's own API, naming the variables, without a network call", async () => {
    expect(META_DEFAULT_BASE_URL).toBe('https://api.llama.com/compat/v1');
    const failure = await createMeta({ env: {} })
      .chatModel('Llama-3.3-70B-Instruct')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toContain('META_API_KEY or LLAMA_API_KEY');
    expect(upstream.requests).toHaveLength(0);
  });

  it('has no embeddings', () => {
    expect(() => createMeta({ env: {} }).embeddingModel('any')).toThrow(EmbeddingsNotSupportedError);
  });
});
