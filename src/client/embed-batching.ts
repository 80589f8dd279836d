import type { CallOptions } from '../spec/chat.js';
import type { EmbeddingModel, EmbeddingRequest, EmbeddingResult, EmbeddingUsage } from '../spec/embedding.js';
import { mapWithConcurrency } from './concurrency.js';

function addCount(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a + b;
}

/**
 * Embeds any number of inputs: split by the model's `maxEmbeddingsPerCall`, at most `maxConcurrency` calls
 * in flight, vectors reassembled in input order. A usage count is kept only when every call reported it.
 */
export async function embedInBatches(
  model: EmbeddingModel,
  request: EmbeddingRequest,
  options: CallOptions,
  maxConcurrency: number,
): Promise<EmbeddingResult> {
  const size = Math.max(1, model.maxEmbeddingsPerCall ?? request.input.length);
  if (request.input.length <= size) return model.embed(request, options);
  const batches: string[][] = [];
  for (let start = 0; start < request.input.length; start += size)
    batches.push(request.input.slice(start, start + size));
  const results = await mapWithConcurrency(batches, maxConcurrency, (input) =>
    model.embed({ ...request, input }, options),
  );
  const first = results[0] as EmbeddingResult;
  const usage: EmbeddingUsage = results.slice(1).reduce<EmbeddingUsage>(
    (total, result) => ({
      promptTokens: addCount(total.promptTokens, result.usage.promptTokens),
      totalTokens: addCount(total.totalTokens, result.usage.totalTokens),
    }),
    { ...first.usage },
  );
  for (const key of Object.keys(usage) as (keyof EmbeddingUsage)[]) if (usage[key] === undefined) delete usage[key];
  return {
    provider: first.provider,
    model: first.model,
    embeddings: results.flatMap((result) => result.embeddings),
    usage,
    warnings: results.flatMap((result) => result.warnings),
    raw: results.map((result) => result.raw),
  };
}
