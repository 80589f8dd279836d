import { z } from 'zod';
import type { ProviderOptions } from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';

/** `providerOptions.cohere` for chat: Cohere-only request fields, camelCase. */
export const cohereChatOptionsSchema = z.looseObject({
  k: z.number().int().min(0).max(500).optional(),
  safetyMode: z.enum(['CONTEXTUAL', 'STRICT', 'OFF']).optional(),
  /** Overrides the mapping of `reasoningEffort`. */
  thinking: z
    .object({ type: z.enum(['enabled', 'disabled']), tokenBudget: z.number().int().positive().optional() })
    .optional(),
  /** RAG documents: strings or `{ id?, data: {...} }` objects, sent as is. */
  documents: z.array(z.union([z.string(), z.record(z.string(), z.unknown())])).optional(),
  citationOptions: z.record(z.string(), z.unknown()).optional(),
  strictTools: z.boolean().optional(),
});

export type CohereChatOptions = z.infer<typeof cohereChatOptionsSchema>;

/** `providerOptions.cohere` for embeddings. */
export const cohereEmbeddingOptionsSchema = z.looseObject({
  inputType: z.enum(['search_document', 'search_query', 'classification', 'clustering']).optional(),
  truncate: z.enum(['NONE', 'START', 'END']).optional(),
});

export type CohereEmbeddingOptions = z.infer<typeof cohereEmbeddingOptionsSchema>;

/** Validates only the `cohere` key; other providers' options are not this adapter's business. */
export function parseCohereOptions<T>(
  providerOptions: ProviderOptions | undefined,
  schema: z.ZodType<T>,
  provider: string,
): T | undefined {
  const value = providerOptions?.cohere;
  if (value === undefined) return undefined;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.map(String).join('.') ?? '';
  throw new BadRequestError({
    message: `Invalid providerOptions.cohere${path === '' ? '' : `.${path}`}: ${issue?.message ?? 'invalid value'}`,
    param: `providerOptions.cohere${path === '' ? '' : `.${path}`}`,
    provider,
    isRetryable: false,
  });
}
