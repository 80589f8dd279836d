import { checkUsage } from '../../provider-utils/token-counts.js';
import type { Usage } from '../../spec/chat.js';

/** Ollama counts prompt tokens in `prompt_eval_count` and output tokens in `eval_count`; absent stays undefined. */
export function convertOllamaUsage(response: { prompt_eval_count?: number | null; eval_count?: number | null }): Usage {
  const usage: Usage = {};
  const prompt = response.prompt_eval_count ?? undefined;
  const completion = response.eval_count ?? undefined;
  if (prompt !== undefined) usage.promptTokens = prompt;
  if (completion !== undefined) usage.completionTokens = completion;
  if (prompt !== undefined && completion !== undefined) usage.totalTokens = prompt + completion;
  return checkUsage(usage);
}
