/**
 * Minimal shapes of Ollama's native API (`/api/chat`, `/api/embed`, `/api/tags`, `/api/version`), after
 * docs/openapi.yaml. Lenient on extra fields: newer Ollama versions add some.
 */
import { z } from 'zod';

const ollamaToolCallSchema = z.looseObject({
  /** Not in the documented schema; read when a newer server sends one. */
  id: z.string().nullish(),
  function: z.looseObject({
    name: z.string(),
    // Ollama sends an object; a string is tolerated in case a model template emits one.
    arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).nullish(),
  }),
});

export type OllamaToolCall = z.infer<typeof ollamaToolCallSchema>;

const ollamaResponseMessageSchema = z.looseObject({
  role: z.string().nullish(),
  content: z.string().nullish(),
  thinking: z.string().nullish(),
  tool_calls: z.array(ollamaToolCallSchema).nullish(),
  images: z.array(z.string()).nullish(),
});

const ollamaLogprobSchema = z.looseObject({
  token: z.string().nullish(),
  logprob: z.number().nullish(),
  bytes: z.array(z.number()).nullish(),
  top_logprobs: z.array(z.unknown()).nullish(),
});

/** One `/api/chat` response object: the whole answer (`stream:false`) or one NDJSON line of a stream. */
export const ollamaChatResponseSchema = z.looseObject({
  model: z.string().nullish(),
  created_at: z.string().nullish(),
  message: ollamaResponseMessageSchema.nullish(),
  done: z.boolean().nullish(),
  done_reason: z.string().nullish(),
  total_duration: z.number().nullish(),
  load_duration: z.number().nullish(),
  prompt_eval_count: z.number().nullish(),
  prompt_eval_duration: z.number().nullish(),
  eval_count: z.number().nullish(),
  eval_duration: z.number().nullish(),
  logprobs: z.array(ollamaLogprobSchema).nullish(),
});

export type OllamaChatResponse = z.infer<typeof ollamaChatResponseSchema>;

/** Ollama's error body (`ErrorResponse`), also sent as a stream line after HTTP 200. */
export const ollamaErrorSchema = z.looseObject({ error: z.string() });

export const ollamaEmbedResponseSchema = z.looseObject({
  model: z.string().nullish(),
  embeddings: z.array(z.array(z.number())),
  total_duration: z.number().nullish(),
  load_duration: z.number().nullish(),
  prompt_eval_count: z.number().nullish(),
});

export const ollamaTagsResponseSchema = z.looseObject({
  models: z
    .array(
      z.looseObject({
        name: z.string().nullish(),
        model: z.string().nullish(),
        modified_at: z.string().nullish(),
        size: z.number().nullish(),
        digest: z.string().nullish(),
        details: z
          .looseObject({
            parent_model: z.string().nullish(),
            format: z.string().nullish(),
            family: z.string().nullish(),
            families: z.array(z.string()).nullish(),
            parameter_size: z.string().nullish(),
            quantization_level: z.string().nullish(),
          })
          .nullish(),
      }),
    )
    .nullish(),
});

export const ollamaVersionResponseSchema = z.looseObject({ version: z.string() });

/** Seconds since the epoch from Ollama's RFC 3339 timestamps (nanosecond fractions included). */
export function parseOllamaTimestamp(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const millis = Date.parse(value);
  return Number.isNaN(millis) ? undefined : Math.floor(millis / 1000);
}

/**
 * An `/api/generate` answer or stream line in `/api/chat`'s shape (`response` and `thinking` as the message),
 * so that one schema and one reader serve both endpoints. Error lines and other shapes are left as they are.
 */
export function generateAsChat(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('response' in value || 'thinking' in value)) return value;
  const { response, thinking, ...rest } = value as Record<string, unknown>;
  return { ...rest, message: { role: 'assistant', content: response, thinking } };
}
