/**
 * Minimal shapes of the Bedrock Runtime wire format: Converse responses, ConverseStream event payloads and the
 * InvokeModel bodies of the embedding models. Lenient on extra fields (AWS adds metrics, traces, new blocks).
 */
import { z } from 'zod';

export const bedrockUsageSchema = z
  .looseObject({
    inputTokens: z.number().nullish(),
    outputTokens: z.number().nullish(),
    totalTokens: z.number().nullish(),
    cacheReadInputTokens: z.number().nullish(),
    cacheWriteInputTokens: z.number().nullish(),
  })
  .nullish();

export type BedrockUsage = z.infer<typeof bedrockUsageSchema>;

const toolUseSchema = z.looseObject({
  toolUseId: z.string().nullish(),
  name: z.string().nullish(),
  input: z.unknown().optional(),
});

const responseContentBlockSchema = z.looseObject({
  text: z.string().nullish(),
  toolUse: toolUseSchema.nullish(),
  reasoningContent: z
    .looseObject({
      reasoningText: z.looseObject({ text: z.string().nullish(), signature: z.string().nullish() }).nullish(),
      redactedContent: z.unknown().optional(),
    })
    .nullish(),
});

export const bedrockConverseResponseSchema = z.looseObject({
  output: z.looseObject({
    message: z
      .looseObject({
        role: z.string().nullish(),
        content: z.array(responseContentBlockSchema).nullish(),
      })
      .nullish(),
  }),
  stopReason: z.string().nullish(),
  usage: bedrockUsageSchema,
});

export type BedrockConverseResponse = z.infer<typeof bedrockConverseResponseSchema>;

/** The payload of each ConverseStream event, keyed by its `:event-type`. */
export const bedrockStreamEventSchemas = {
  messageStart: z.looseObject({ role: z.string().nullish() }),
  contentBlockStart: z.looseObject({
    contentBlockIndex: z.number().nullish(),
    start: z.looseObject({ toolUse: toolUseSchema.nullish() }).nullish(),
  }),
  contentBlockDelta: z.looseObject({
    contentBlockIndex: z.number().nullish(),
    delta: z
      .looseObject({
        text: z.string().nullish(),
        toolUse: z.looseObject({ input: z.string().nullish() }).nullish(),
        reasoningContent: z
          .looseObject({
            text: z.string().nullish(),
            signature: z.string().nullish(),
            redactedContent: z.unknown().optional(),
          })
          .nullish(),
      })
      .nullish(),
  }),
  contentBlockStop: z.looseObject({ contentBlockIndex: z.number().nullish() }),
  messageStop: z.looseObject({ stopReason: z.string().nullish() }),
  metadata: z.looseObject({ usage: bedrockUsageSchema }),
} as const;

/** `{message}` (sometimes `Message`) is the body of every Bedrock error, HTTP or in-stream. */
export const bedrockErrorBodySchema = z.looseObject({
  message: z.string().nullish(),
  Message: z.string().nullish(),
  __type: z.string().nullish(),
});

export const titanEmbeddingResponseSchema = z.looseObject({
  embedding: z.array(z.number()),
  inputTextTokenCount: z.number().nullish(),
});

/** Cohere on Bedrock answers `embeddings: number[][]` (floats) or `embeddings: {float: number[][]}` (by type). */
export const cohereEmbeddingResponseSchema = z.looseObject({
  embeddings: z.union([z.array(z.array(z.number())), z.looseObject({ float: z.array(z.array(z.number())) })]),
});
