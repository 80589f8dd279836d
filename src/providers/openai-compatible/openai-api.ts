/**
 * Minimal shapes of OpenAI's chat-completions wire format, as sent by OpenAI and OpenAI-compatible servers.
 * Validation is structural and lenient on extra fields: vendors add their own.
 */
import { z } from 'zod';

const toolCallSchema = z.looseObject({
  index: z.number().optional(),
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z
    .looseObject({
      name: z.string().nullish(),
      arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
    })
    .nullish(),
});

export const openaiUsageSchema = z
  .looseObject({
    prompt_tokens: z.number().nullish(),
    completion_tokens: z.number().nullish(),
    total_tokens: z.number().nullish(),
    prompt_tokens_details: z.looseObject({ cached_tokens: z.number().nullish() }).nullish(),
    completion_tokens_details: z.looseObject({ reasoning_tokens: z.number().nullish() }).nullish(),
    /** DeepSeek's cache accounting. */
    prompt_cache_hit_tokens: z.number().nullish(),
  })
  .nullish();

export type OpenAIUsage = z.infer<typeof openaiUsageSchema>;

export const openaiChatResponseSchema = z.looseObject({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  system_fingerprint: z.string().nullish(),
  choices: z.array(
    z.looseObject({
      index: z.number().nullish(),
      message: z.looseObject({
        role: z.string().nullish(),
        content: z.string().nullish(),
        reasoning_content: z.string().nullish(),
        reasoning: z.string().nullish(),
        refusal: z.string().nullish(),
        tool_calls: z.array(toolCallSchema).nullish(),
      }),
      finish_reason: z.string().nullish(),
      /** vLLM's: the stop string (or token id) the output ended on. */
      stop_reason: z.unknown().optional(),
      logprobs: z.unknown().optional(),
    }),
  ),
  usage: openaiUsageSchema,
});

export type OpenAIChatResponse = z.infer<typeof openaiChatResponseSchema>;

export const openaiChatChunkSchema = z.looseObject({
  id: z.string().nullish(),
  created: z.number().nullish(),
  model: z.string().nullish(),
  system_fingerprint: z.string().nullish(),
  choices: z.array(
    z.looseObject({
      index: z.number().nullish(),
      delta: z
        .looseObject({
          role: z.string().nullish(),
          content: z.string().nullish(),
          reasoning_content: z.string().nullish(),
          reasoning: z.string().nullish(),
          refusal: z.string().nullish(),
          tool_calls: z.array(toolCallSchema).nullish(),
        })
        .nullish(),
      finish_reason: z.string().nullish(),
      stop_reason: z.unknown().optional(),
      logprobs: z.unknown().optional(),
    }),
  ),
  usage: openaiUsageSchema,
});

/** An error sent inside a stream after HTTP 200 (`data: {"error":{...}}`). */
export const openaiStreamErrorSchema = z.looseObject({
  error: z.looseObject({ message: z.string().nullish(), type: z.string().nullish(), code: z.unknown().optional() }),
});

export type OpenAIChatChunk = z.infer<typeof openaiChatChunkSchema>;

export const openaiEmbeddingResponseSchema = z.looseObject({
  model: z.string().nullish(),
  data: z.array(z.looseObject({ index: z.number().nullish(), embedding: z.union([z.array(z.number()), z.string()]) })),
  usage: z.looseObject({ prompt_tokens: z.number().nullish(), total_tokens: z.number().nullish() }).nullish(),
});

export const openaiModelListSchema = z.looseObject({
  data: z.array(z.looseObject({ id: z.string(), owned_by: z.string().nullish(), created: z.number().nullish() })),
});

/** Decodes a base64 float32 embedding (OpenAI's `encoding_format: "base64"`). */
export function decodeBase64Embedding(value: string): number[] {
  const bytes = Buffer.from(value, 'base64');
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, Math.floor(bytes.byteLength / 4));
  return Array.from(floats);
}
