import { z } from 'zod';
import type { ProviderOptions, Warning } from '../../spec/chat.js';
import { BadRequestError } from '../../spec/errors.js';

/** `providerOptions.ollama`: fields of Ollama's request that have no OpenAI counterpart. */
export const ollamaProviderOptionsSchema = z.looseObject({
  /** How long the model stays loaded after the call (`"5m"`, `0` to unload). */
  keep_alive: z.union([z.string(), z.number()]).optional(),
  /** Thinking on/off, or a level for models that take one (gpt-oss). Overrides `reasoningEffort`. */
  think: z.union([z.boolean(), z.enum(['low', 'medium', 'high', 'max'])]).optional(),
  /** Raw Modelfile options (`num_ctx`, `top_k`, `repeat_penalty`…), merged over the mapped ones. */
  options: z.record(z.string(), z.unknown()).optional(),
  /** Embeddings only: truncate inputs that exceed the context window (Ollama's default is true). */
  truncate: z.boolean().optional(),
});

export type OllamaProviderOptions = z.infer<typeof ollamaProviderOptionsSchema>;

const KNOWN_KEYS = new Set(['keep_alive', 'think', 'options', 'truncate']);

/** Validates `providerOptions.ollama`; a wrong type is the caller's 400, an unknown key a warning. */
export function parseOllamaProviderOptions(
  providerOptions: ProviderOptions | undefined,
  warnings: Warning[],
): OllamaProviderOptions {
  const raw = providerOptions?.ollama;
  if (raw === undefined) return {};
  const parsed = ollamaProviderOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadRequestError({
      message: `Invalid providerOptions.ollama${issue === undefined ? '' : `.${issue.path.join('.')}: ${issue.message}`}`,
      param: 'providerOptions.ollama',
      provider: 'ollama',
      isRetryable: false,
    });
  }
  for (const key of Object.keys(parsed.data)) {
    if (!KNOWN_KEYS.has(key)) {
      warnings.push({
        type: 'unsupported-setting',
        setting: `providerOptions.ollama.${key}`,
        message: `Unknown Ollama option ${key}; it was ignored (use providerOptions.ollama.options for model options)`,
      });
    }
  }
  return parsed.data;
}
