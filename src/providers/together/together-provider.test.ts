import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationError } from '../../spec/errors.js';
import { collect, type MockUpstream, startMockUpstream } from '../../test-support/mock-upstream.js';
import { openaiReplay } from '../../test-support/replay-openai.js';
import { togetherDefinition } from './index.js';
import { createTogether } from './together-provider.js';

// No Together chat recording exists: the `groq-tool-call` recording is real OpenAI-compatible traffic for
// Llama 3.3 70B (a model Together serves too), and `openai-embedding` is OpenAI's real embeddings answer.
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
  togetherDefinition.create({ env: { TOGETHER_API_KEY: 'tg-key', TOGETHER_API_BASE: `${upstream.url}/v1` } });
const weatherTool = {
  type: 'function' as const,
  function: { name: 'weather', parameters: { type: 'object', properties: {} } },
};

describe('together', () => {
  it('posts a chat request with a bearer key and translates a tool call', async () => {
    upstream.handle(openaiReplay(fixtures, 'groq-tool-call'));
    const result = await provider()
      .chatModel('meta-llama/Llama-3.3-70B-Instruct-Turbo')
      .generate({ messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool], toolChoice: 'auto' });
    expect(upstream.requests[0]?.path).toBe('/v1/chat/completions');
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer tg-key');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "messages": [
          {
            "content": "Weather?",
            "role": "user",
          },
        ],
        "model": "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        "tool_choice": "auto",
        "tools": [
          {
            "function": {
              "name": "weather",
              "parameters": {
                "properties": {},
                "type": "object",
              },
            },
            "type": "function",
          },
        ],
      }
    `);
    expect(result.provider).toBe('together');
    expect(result.choices[0]).toMatchObject({
      finishReason: 'tool_calls',
      message: {
        content: null,
        toolCalls: [{ id: 'ax9fskhev', type: 'function', function: { name: 'weather', arguments: '{}' } }],
      },
    });
    expect(result.usage).toEqual({ promptTokens: 218, completionTokens: 15, totalTokens: 233 });
  });

  it('streams the tool call and the usage sent in the last chunk', async () => {
    upstream.handle(openaiReplay(fixtures, 'groq-tool-call'));
    const stream = await provider()
      .chatModel('meta-llama/Llama-3.3-70B-Instruct-Turbo')
      .stream({ messages: [{ role: 'user', content: 'Weather?' }], tools: [weatherTool] });
    const parts = await collect(stream.parts);
    expect(parts.filter((p) => p.type !== 'response-metadata')).toEqual([
      {
        type: 'tool-call-delta',
        choiceIndex: 0,
        toolCallIndex: 0,
        id: 'tk85n1k4m',
        name: 'weather',
        argumentsDelta: '{}',
      },
      { type: 'finish', choiceIndex: 0, finishReason: 'tool_calls', rawFinishReason: 'tool_calls' },
      { type: 'usage', usage: { promptTokens: 210, completionTokens: 15, totalTokens: 225 } },
    ]);
  });

  it('embeds, dropping dimensions Together does not take', async () => {
    upstream.handle(openaiReplay(fixtures, 'openai-embedding'));
    const result = await provider()
      .embeddingModel('BAAI/bge-base-en-v1.5')
      .embed({ input: ['a', 'b'], dimensions: 256 });
    expect(upstream.requests[0]?.path).toBe('/v1/embeddings');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "encoding_format": "float",
        "input": [
          "a",
          "b",
        ],
        "model": "BAAI/bge-base-en-v1.5",
      }
    `);
    expect(result.embeddings).toHaveLength(2);
    expect(result.warnings).toMatchObject([{ setting: 'dimensions' }]);
  });

  it('fails fast naming TOGETHER_API_KEY, without a network call', async () => {
    const failure = await createTogether({ env: {} })
      .chatModel('m')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toContain('TOGETHER_API_KEY');
    expect(upstream.requests).toHaveLength(0);
  });

  it('takes an explicit base URL over the environment', async () => {
    upstream.handle(openaiReplay(fixtures, 'groq-tool-call'));
    await createTogether({ apiKey: 'k', baseURL: `${upstream.url}/custom/v1`, env: {} })
      .chatModel('m')
      .generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(upstream.requests[0]?.path).toBe('/custom/v1/chat/completions');
  });
});
