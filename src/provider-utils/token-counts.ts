import type { Usage } from '../spec/chat.js';

/** The largest count the ledger stores (a signed 32-bit column) and the most one call can report. */
export const MAX_TOKEN_COUNT = 2_147_483_647;

const COUNT_FIELDS = ['promptTokens', 'completionTokens', 'totalTokens', 'cachedTokens', 'reasoningTokens'] as const;

/**
 * One upstream token count made safe to bill: a negative, non-finite or non-numeric value is unknown
 * (`undefined`, so the gateway counts the tokens itself), a fractional one is rounded up and one above
 * {@link MAX_TOKEN_COUNT} is clamped to it. Each correction is described in `warnings`.
 */
export function checkTokenCount(value: unknown, field: string, warnings: string[]): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    warnings.push(`upstream reported an invalid ${field} (${String(value)}); treated as unknown`);
    return undefined;
  }
  if (value > MAX_TOKEN_COUNT) {
    warnings.push(`upstream reported ${field} ${value}, above ${MAX_TOKEN_COUNT}; clamped`);
    return MAX_TOKEN_COUNT;
  }
  if (!Number.isInteger(value)) {
    warnings.push(`upstream reported a fractional ${field} (${value}); rounded up`);
    return Math.ceil(value);
  }
  return value;
}

/**
 * The shared last step of every adapter's usage conversion: each count checked by {@link checkTokenCount};
 * a total derived from a dropped prompt or completion count is dropped with it.
 */
export function checkUsage(usage: Usage): Usage {
  const warnings: string[] = [];
  const result: Usage = {};
  for (const field of COUNT_FIELDS) {
    const checked = checkTokenCount(usage[field], field, warnings);
    if (checked !== undefined) result[field] = checked;
  }
  const droppedPart =
    (usage.promptTokens !== undefined && result.promptTokens === undefined) ||
    (usage.completionTokens !== undefined && result.completionTokens === undefined);
  if (droppedPart && result.totalTokens !== undefined) {
    delete result.totalTokens;
    warnings.push('totalTokens dropped with the invalid count it includes');
  }
  if (usage.estimated !== undefined) result.estimated = usage.estimated;
  const all = [...(usage.warnings ?? []), ...warnings];
  if (all.length > 0) result.warnings = all;
  return result;
}
