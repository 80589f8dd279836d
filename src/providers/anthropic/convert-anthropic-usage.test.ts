import { describe, expect, it } from 'vitest';
import { convertAnthropicUsage, mergeAnthropicUsage } from './convert-anthropic-usage.js';

describe('convertAnthropicUsage', () => {
  it('counts cache reads and writes as prompt tokens and reports reads as cached', () => {
    expect(
      convertAnthropicUsage({
        input_tokens: 10,
        cache_read_input_tokens: 1000,
        cache_creation_input_tokens: 200,
        output_tokens: 5,
      }),
    ).toEqual({
      promptTokens: 1210,
      completionTokens: 5,
      totalTokens: 1215,
      cachedTokens: 1000,
      cacheWriteTokens: 200,
    });
  });

  it('leaves unknown counts undefined instead of 0', () => {
    expect(convertAnthropicUsage(undefined)).toEqual({});
    expect(convertAnthropicUsage({ output_tokens: 3 })).toEqual({ completionTokens: 3 });
  });

  it('merges stream usage: message_delta values win, missing ones keep message_start values', () => {
    const start = { input_tokens: 40, cache_read_input_tokens: 8, output_tokens: 1 };
    const merged = mergeAnthropicUsage(start, { output_tokens: 90, cache_read_input_tokens: null });
    expect(convertAnthropicUsage(merged)).toEqual({
      promptTokens: 48,
      completionTokens: 90,
      totalTokens: 138,
      cachedTokens: 8,
    });
  });
});
