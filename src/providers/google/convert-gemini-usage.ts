import { checkUsage } from '../../provider-utils/token-counts.js';
import type { Usage } from '../../spec/chat.js';
import type { GeminiUsage } from './gemini-api.js';

const defined = (value: number | null | undefined): number | undefined => (value === null ? undefined : value);

/**
 * Gemini reports visible output (`candidatesTokenCount`) and thinking (`thoughtsTokenCount`) separately but
 * bills both as output, so both count as completion tokens. proto3 JSON omits zero counts: a missing
 * candidates count next to a present thoughts count means zero visible tokens, not an unknown count.
 */
export function convertGeminiUsage(usage: GeminiUsage): Usage {
  if (usage === null || usage === undefined) return {};
  const result: Usage = {};
  const prompt = defined(usage.promptTokenCount);
  const candidates = defined(usage.candidatesTokenCount);
  const thoughts = defined(usage.thoughtsTokenCount);
  const total = defined(usage.totalTokenCount);
  const cached = defined(usage.cachedContentTokenCount);
  if (prompt !== undefined) result.promptTokens = prompt;
  if (candidates !== undefined || thoughts !== undefined) result.completionTokens = (candidates ?? 0) + (thoughts ?? 0);
  if (total !== undefined) result.totalTokens = total;
  else if (prompt !== undefined && result.completionTokens !== undefined)
    result.totalTokens = prompt + result.completionTokens;
  if (cached !== undefined) result.cachedTokens = cached;
  if (thoughts !== undefined) result.reasoningTokens = thoughts;
  return checkUsage(result);
}

/** True when a usageMetadata block carries token counts (stream events may carry only `trafficType`). */
export function hasGeminiTokenCounts(usage: GeminiUsage): boolean {
  return usage !== null && usage !== undefined && Object.keys(convertGeminiUsage(usage)).length > 0;
}
