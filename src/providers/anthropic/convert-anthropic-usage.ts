import { checkUsage } from '../../provider-utils/token-counts.js';
import type { Usage } from '../../spec/chat.js';
import type { AnthropicUsage } from './anthropic-api.js';

const defined = (value: number | null | undefined): number | undefined => (value === null ? undefined : value);

/**
 * Anthropic reports uncached input, cache reads and cache writes separately; the gateway's prompt count is
 * their sum (all are billed input), with cache reads also reported as `cachedTokens`.
 */
export function convertAnthropicUsage(usage: AnthropicUsage | null | undefined): Usage {
  if (usage === null || usage === undefined) return {};
  const result: Usage = {};
  const input = defined(usage.input_tokens);
  const cacheRead = defined(usage.cache_read_input_tokens);
  const cacheWrite = defined(usage.cache_creation_input_tokens);
  const output = defined(usage.output_tokens);
  const prompt = input === undefined ? undefined : input + (cacheRead ?? 0) + (cacheWrite ?? 0);
  if (prompt !== undefined) result.promptTokens = prompt;
  if (output !== undefined) result.completionTokens = output;
  if (prompt !== undefined && output !== undefined) result.totalTokens = prompt + output;
  if (cacheRead !== undefined) result.cachedTokens = cacheRead;
  if (cacheWrite !== undefined) result.cacheWriteTokens = cacheWrite;
  const thinking = defined(usage.output_tokens_details?.thinking_tokens);
  if (thinking !== undefined) result.reasoningTokens = thinking;
  return checkUsage(result);
}

/**
 * Streams report usage twice: `message_start` (input side, a provisional output count) and `message_delta`
 * (final output count, sometimes corrected input counts). Later fields win; missing ones keep the earlier value.
 */
export function mergeAnthropicUsage(
  previous: AnthropicUsage | undefined,
  next: AnthropicUsage | null | undefined,
): AnthropicUsage | undefined {
  if (next === null || next === undefined) return previous;
  const merged: AnthropicUsage = { ...previous };
  for (const key of [
    'input_tokens',
    'output_tokens',
    'cache_creation_input_tokens',
    'cache_read_input_tokens',
  ] as const) {
    const value = next[key];
    if (value !== null && value !== undefined) merged[key] = value;
  }
  if (next.output_tokens_details?.thinking_tokens != null) merged.output_tokens_details = next.output_tokens_details;
  return merged;
}
