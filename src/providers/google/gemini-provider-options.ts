import { z } from 'zod';
import type { ChatRequest, Warning } from '../../spec/chat.js';

/**
 * `providerOptions.gemini` (or `.vertex` / `.google`): Gemini features the OpenAI request shape has no
 * field for. Validated leniently: a wrong value is a warning, not a failed request.
 */
export const geminiProviderOptionsSchema = z.looseObject({
  safetySettings: z.array(z.looseObject({ category: z.string(), threshold: z.string() })).optional(),
  thinkingConfig: z
    .looseObject({
      thinkingBudget: z.number().optional(),
      thinkingLevel: z.string().optional(),
      includeThoughts: z.boolean().optional(),
    })
    .optional(),
  topK: z.number().optional(),
  cachedContent: z.string().optional(),
  responseModalities: z.array(z.string()).optional(),
  mediaResolution: z.string().optional(),
  /** Vertex only: billing labels. */
  labels: z.record(z.string(), z.string()).optional(),
  /** Send schemas as plain JSON Schema (`parametersJsonSchema` / `responseJsonSchema`) instead of converting. */
  useJsonSchema: z.boolean().optional(),
  /** Vertex: stream function-call arguments as they are generated (Gemini 3). */
  streamFunctionCallArguments: z.boolean().optional(),
  /** Thought signatures of earlier tool calls, by tool-call id, for gateways that do not share memory. */
  thoughtSignatures: z.record(z.string(), z.string()).optional(),
});

export type GeminiProviderOptions = z.infer<typeof geminiProviderOptionsSchema>;

const KNOWN_KEYS = new Set(Object.keys(geminiProviderOptionsSchema.shape));

/** Reads this provider's namespace (its id, then `google`); unknown keys and bad values become warnings. */
export function parseGeminiProviderOptions(
  request: ChatRequest,
  provider: string,
  warnings: Warning[],
): GeminiProviderOptions {
  const raw = request.providerOptions?.[provider] ?? request.providerOptions?.google;
  if (raw === undefined) return {};
  const parsed = geminiProviderOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    warnings.push({
      type: 'other',
      message: `providerOptions.${provider} ignored: ${parsed.error.issues[0]?.message ?? 'invalid value'}`,
    });
    return {};
  }
  for (const key of Object.keys(parsed.data)) {
    if (!KNOWN_KEYS.has(key))
      warnings.push({
        type: 'unsupported-setting',
        setting: `providerOptions.${provider}.${key}`,
        message: `${provider} has no option ${key}; it was ignored`,
      });
  }
  return parsed.data;
}
