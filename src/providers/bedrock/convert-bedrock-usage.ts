import { checkUsage } from '../../provider-utils/token-counts.js';
import type { Usage } from '../../spec/chat.js';
import type { BedrockUsage } from './bedrock-api.js';

const defined = (value: number | null | undefined): number | undefined => (value === null ? undefined : value);

/**
 * Bedrock counts cache reads and writes apart from `inputTokens`; the gateway's `promptTokens` (OpenAI's
 * meaning) includes them, with the reads also reported as `cachedTokens`.
 */
export function convertBedrockUsage(usage: BedrockUsage): Usage {
  if (usage === null || usage === undefined) return {};
  const result: Usage = {};
  const input = defined(usage.inputTokens);
  const output = defined(usage.outputTokens);
  const cacheRead = defined(usage.cacheReadInputTokens);
  const cacheWrite = defined(usage.cacheWriteInputTokens);
  const prompt = input === undefined ? undefined : input + (cacheRead ?? 0) + (cacheWrite ?? 0);
  // AWS documents totalTokens as input + output without saying whether cache tokens count; keeping the
  // larger of the two keeps total = prompt + completion either way.
  const sum = prompt !== undefined && output !== undefined ? prompt + output : undefined;
  const reported = defined(usage.totalTokens);
  const total = reported === undefined ? sum : sum === undefined ? reported : Math.max(reported, sum);
  if (prompt !== undefined) result.promptTokens = prompt;
  if (output !== undefined) result.completionTokens = output;
  if (total !== undefined) result.totalTokens = total;
  if (cacheRead !== undefined) result.cachedTokens = cacheRead;
  return checkUsage(result);
}
