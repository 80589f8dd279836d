import { checkUsage } from '../../provider-utils/token-counts.js';
import type { Usage } from '../../spec/chat.js';
import type { OpenAIUsage } from './openai-api.js';

const defined = (value: number | null | undefined): number | undefined => (value === null ? undefined : value);

export function convertOpenAIUsage(usage: OpenAIUsage): Usage {
  if (usage === null || usage === undefined) return {};
  const result: Usage = {};
  const prompt = defined(usage.prompt_tokens);
  const completion = defined(usage.completion_tokens);
  const total =
    defined(usage.total_tokens) ?? (prompt !== undefined && completion !== undefined ? prompt + completion : undefined);
  const cached = defined(usage.prompt_tokens_details?.cached_tokens) ?? defined(usage.prompt_cache_hit_tokens);
  const reasoning = defined(usage.completion_tokens_details?.reasoning_tokens);
  if (prompt !== undefined) result.promptTokens = prompt;
  if (completion !== undefined) result.completionTokens = completion;
  if (total !== undefined) result.totalTokens = total;
  if (cached !== undefined) result.cachedTokens = cached;
  if (reasoning !== undefined) result.reasoningTokens = reasoning;
  return checkUsage(result);
}
