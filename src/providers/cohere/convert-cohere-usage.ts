import { checkUsage } from '../../provider-utils/token-counts.js';
import type { Usage } from '../../spec/chat.js';
import type { CohereUsage } from './cohere-api.js';

const defined = (value: number | null | undefined): number | undefined => (value === null ? undefined : value);

/**
 * `usage.tokens` counts what the model actually processed (prompt template included); `billed_units`
 * is what Cohere bills and is only used when `tokens` is missing.
 */
export function convertCohereUsage(usage: CohereUsage): Usage {
  if (usage === null || usage === undefined) return {};
  const prompt = defined(usage.tokens?.input_tokens) ?? defined(usage.billed_units?.input_tokens);
  const completion = defined(usage.tokens?.output_tokens) ?? defined(usage.billed_units?.output_tokens);
  const cached = defined(usage.cached_tokens);
  const result: Usage = {};
  if (prompt !== undefined) result.promptTokens = prompt;
  if (completion !== undefined) result.completionTokens = completion;
  if (prompt !== undefined && completion !== undefined) result.totalTokens = prompt + completion;
  if (cached !== undefined) result.cachedTokens = cached;
  return checkUsage(result);
}
