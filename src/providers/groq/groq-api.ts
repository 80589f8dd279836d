/**
 * Groq's additions to the OpenAI wire format, and the provider options it takes under `providerOptions.groq`.
 */
import { z } from 'zod';
import { BadRequestError } from '../../spec/errors.js';

/** Groq's own stream envelope: the final chunk carries usage in `x_groq.usage` (often also as `usage`). */
export const groqChunkExtrasSchema = z.looseObject({
  usage: z.unknown().optional(),
  x_groq: z.looseObject({ usage: z.record(z.string(), z.unknown()).nullish() }).nullish(),
});

export const groqProviderOptionsSchema = z.strictObject({
  /** Sent as `reasoning_format` (`parsed` puts reasoning into `message.reasoning`). */
  reasoningFormat: z.enum(['parsed', 'raw', 'hidden']).optional(),
  /** Sent as `reasoning_effort` unchanged (e.g. `none`/`default` for Qwen 3, `low`…`high` for GPT-OSS). */
  reasoningEffort: z.string().optional(),
  /** Whether to send `json_schema` response formats as such; by default only for models Groq lists. */
  structuredOutputs: z.boolean().optional(),
  serviceTier: z.string().optional(),
});

export type GroqProviderOptions = z.infer<typeof groqProviderOptionsSchema>;

export function parseGroqProviderOptions(value: unknown): GroqProviderOptions {
  if (value === undefined) return {};
  const parsed = groqProviderOptionsSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new BadRequestError({
    message: `Invalid providerOptions.groq: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ')}`,
    param: 'providerOptions.groq',
    provider: 'groq',
    isRetryable: false,
  });
}
