/** Embedding results → OpenAI's `list` of `embedding` objects (floats, or base64 little-endian float32). */
import type { EmbeddingResult } from '../../../spec/embedding.js';

function toBase64(vector: readonly number[]): string {
  return Buffer.from(new Float32Array(vector).buffer).toString('base64');
}

/** One response body for the results of every batch, in input order. */
export function encodeEmbeddingList(
  results: readonly EmbeddingResult[],
  model: string,
  promptTokens: number | undefined,
  encodingFormat: 'float' | 'base64',
): Record<string, unknown> {
  let index = 0;
  const data: Record<string, unknown>[] = [];
  for (const result of results) {
    for (const vector of result.embeddings) {
      data.push({
        object: 'embedding',
        index: index++,
        embedding: encodingFormat === 'base64' ? toBase64(vector) : vector,
      });
    }
  }
  return {
    object: 'list',
    data,
    model,
    usage: { prompt_tokens: promptTokens ?? 0, total_tokens: promptTokens ?? 0 },
  };
}
