import { groqChunkExtrasSchema } from './groq-api.js';

/**
 * Groq reports stream usage in `x_groq.usage` on the final chunk; newer responses repeat it as `usage`.
 * Lifts it to `usage` when only the Groq field is present, so the shared OpenAI usage conversion reads it.
 */
export function liftGroqStreamUsage(value: unknown): unknown {
  const parsed = groqChunkExtrasSchema.safeParse(value);
  if (!parsed.success) return value;
  const groqUsage = parsed.data.x_groq?.usage;
  if (groqUsage === undefined || groqUsage === null) return value;
  if (parsed.data.usage !== undefined && parsed.data.usage !== null) return value;
  return { ...(value as Record<string, unknown>), usage: groqUsage };
}
