import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkTokenCount, checkUsage, MAX_TOKEN_COUNT } from '../provider-utils/token-counts.js';
import { convertAnthropicUsage } from './anthropic/convert-anthropic-usage.js';
import { convertBedrockUsage } from './bedrock/convert-bedrock-usage.js';
import { convertCohereUsage } from './cohere/convert-cohere-usage.js';
import { convertGeminiUsage } from './google/convert-gemini-usage.js';
import { convertOllamaUsage } from './ollama/convert-ollama-usage.js';
import { convertOpenAIUsage } from './openai-compatible/convert-openai-usage.js';
import { createOpenAICompatible } from './openai-compatible/openai-compatible-provider.js';

describe('upstream token counts are checked at the adapter boundary', () => {
  it('drops negative and non-finite counts, rounds fractions up, clamps above 2^31-1', () => {
    const warnings: string[] = [];
    expect(checkTokenCount(-5, 'promptTokens', warnings)).toBeUndefined();
    expect(checkTokenCount(Number.POSITIVE_INFINITY, 'promptTokens', warnings)).toBeUndefined();
    expect(checkTokenCount(Number.NaN, 'promptTokens', warnings)).toBeUndefined();
    expect(checkTokenCount('12', 'promptTokens', warnings)).toBeUndefined();
    expect(checkTokenCount(0.25, 'completionTokens', warnings)).toBe(1);
    expect(checkTokenCount(2 ** 40, 'completionTokens', warnings)).toBe(MAX_TOKEN_COUNT);
    expect(checkTokenCount(42, 'completionTokens', warnings)).toBe(42);
    expect(warnings).toHaveLength(6);
    expect(checkUsage({ promptTokens: 10, completionTokens: 3 })).toEqual({ promptTokens: 10, completionTokens: 3 });
  });

  it('every adapter usage conversion uses the shared check', () => {
    const converted = [
      convertOpenAIUsage({ prompt_tokens: -100, completion_tokens: 0.5, total_tokens: -99.5 }),
      convertAnthropicUsage({ input_tokens: -100, output_tokens: 0.5 }),
      convertGeminiUsage({ promptTokenCount: -100, candidatesTokenCount: 0.5, totalTokenCount: -99.5 }),
      convertOllamaUsage({ prompt_eval_count: -100, eval_count: 0.5 }),
      convertCohereUsage({ tokens: { input_tokens: -100, output_tokens: 0.5 } }),
      convertBedrockUsage({ inputTokens: -100, outputTokens: 0.5, totalTokens: -99.5 }),
    ];
    for (const usage of converted) {
      expect(usage.promptTokens).toBeUndefined();
      expect(usage.completionTokens).toBe(1);
      expect(usage.totalTokens).toBeUndefined();
      expect(usage.warnings?.[0]).toMatch(/invalid promptTokens \(-100/);
    }
    expect(convertOpenAIUsage({ prompt_tokens: 1e12, completion_tokens: 1 })).toMatchObject({
      promptTokens: MAX_TOKEN_COUNT,
      completionTokens: 1,
      totalTokens: MAX_TOKEN_COUNT,
    });
  });

  it('a real OpenAI-compatible response with a negative count reaches the caller as unknown, with a warning', async () => {
    const server = createServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          id: 'x',
          object: 'chat.completion',
          created: 1,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: -1000000, completion_tokens: 5e9, total_tokens: 1 },
        }),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const provider = createOpenAICompatible({ name: 'test', baseURL: `http://127.0.0.1:${port}`, apiKey: 'k' });
      const result = await provider.chatModel('m').generate({ messages: [{ role: 'user', content: 'hi' }] });
      expect(result.usage).toMatchInlineSnapshot(`
        {
          "completionTokens": 2147483647,
          "warnings": [
            "upstream reported an invalid promptTokens (-1000000); treated as unknown",
            "upstream reported completionTokens 5000000000, above 2147483647; clamped",
            "totalTokens dropped with the invalid count it includes",
          ],
        }
      `);
    } finally {
      server.close();
    }
  });
});
