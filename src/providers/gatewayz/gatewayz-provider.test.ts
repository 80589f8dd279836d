import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthenticationError, EmbeddingsNotSupportedError } from '../../spec/errors.js';
import { collect, type MockUpstream, startMockUpstream } from '../../test-support/mock-upstream.js';
import { openaiReplay } from '../../test-support/replay-openai.js';
import { createGatewayz, gatewayzApiBase } from './gatewayz-provider.js';
import { gatewayzDefinition } from './index.js';

// No Gatewayz recording exists: a gateway relays its backend's OpenAI-format answer, here the real
// `deepseek-tool-call` recording (reasoning, a streamed tool call, cache and reasoning token counts).
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
  gatewayzDefinition.create({ env: { GATEWAYZ_API_KEY: 'gz-key', GATEWAYZ_API_BASE: upstream.url } });

describe('gatewayz', () => {
  it('appends /v1 to the API root and translates a reasoning tool call', async () => {
    upstream.handle(openaiReplay(fixtures, 'deepseek-tool-call'));
    const result = await provider()
      .chatModel('deepseek/deepseek-reasoner')
      .generate({ messages: [{ role: 'user', content: 'Weather in San Francisco?' }], toolChoice: 'required' });
    expect(upstream.requests[0]?.path).toBe('/v1/chat/completions');
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer gz-key');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "messages": [
          {
            "content": "Weather in San Francisco?",
            "role": "user",
          },
        ],
        "model": "deepseek/deepseek-reasoner",
        "tool_choice": "required",
      }
    `);
    expect(result.provider).toBe('gatewayz');
    expect(result.choices[0]?.message).toMatchObject({
      content: '',
      reasoningContent: expect.stringMatching(/^The user is asking for the weather/),
      toolCalls: [
        {
          id: 'call_00_9V0vrf86Pc9aelHCJMZqnJBo',
          function: { name: 'weather', arguments: '{"location": "San Francisco"}' },
        },
      ],
    });
    expect(result.usage).toEqual({
      promptTokens: 339,
      completionTokens: 92,
      totalTokens: 431,
      cachedTokens: 320,
      reasoningTokens: 48,
    });
  });

  it('streams the tool call arguments in pieces with one id', async () => {
    upstream.handle(openaiReplay(fixtures, 'deepseek-tool-call'));
    const stream = await provider()
      .chatModel('deepseek/deepseek-reasoner')
      .stream({ messages: [{ role: 'user', content: 'x' }] });
    const parts = await collect(stream.parts);
    const toolDeltas = parts.filter((p) => p.type === 'tool-call-delta');
    expect(toolDeltas[0]).toMatchObject({ id: 'call_00_ioIn7yN9p1ZOMNpDLwd4MgAF', name: 'weather' });
    expect(toolDeltas.filter((p) => 'id' in p)).toHaveLength(1);
    expect(toolDeltas.map((p) => p.argumentsDelta).join('')).toBe('{"location": "San Francisco"}');
    expect(parts.find((p) => p.type === 'finish')).toMatchObject({ finishReason: 'tool_calls' });
    expect(parts.at(-1)).toMatchObject({ type: 'usage', usage: { promptTokens: 339, reasoningTokens: 39 } });
  });

  it('takes a base that already ends in /v1 as is', async () => {
    expect(gatewayzApiBase('https://api.gatewayz.com')).toBe('https://api.gatewayz.com/v1');
    expect(gatewayzApiBase('https://api.gatewayz.com/v1/')).toBe('https://api.gatewayz.com/v1');
    upstream.handle(openaiReplay(fixtures, 'deepseek-tool-call'));
    await createGatewayz({ apiKey: 'k', baseURL: `${upstream.url}/v1`, env: {} })
      .chatModel('m')
      .generate({ messages: [{ role: 'user', content: 'x' }] });
    expect(upstream.requests[0]?.path).toBe('/v1/chat/completions');
  });

  it('fails fast naming GATEWAYZ_API_KEY, without a network call, and has no embeddings', async () => {
    const failure = await createGatewayz({ env: {}, baseURL: upstream.url })
      .chatModel('m')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toContain('GATEWAYZ_API_KEY');
    expect(upstream.requests).toHaveLength(0);
    expect(() => provider().embeddingModel('any')).toThrow(EmbeddingsNotSupportedError);
  });
});
