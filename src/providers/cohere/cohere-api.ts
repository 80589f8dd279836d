/**
 * Minimal shapes of Cohere's API v2 wire format (`/v2/chat`, `/v2/embed`) and of `/v1/models`.
 * Lenient on extra fields and on nulls: Cohere adds fields over time and omits empty ones.
 */
import { z } from 'zod';

const usageNumbers = z
  .looseObject({ input_tokens: z.number().nullish(), output_tokens: z.number().nullish() })
  .nullish();

export const cohereUsageSchema = z
  .looseObject({
    billed_units: usageNumbers,
    tokens: usageNumbers,
    cached_tokens: z.number().nullish(),
  })
  .nullish();

export type CohereUsage = z.infer<typeof cohereUsageSchema>;

const toolCallSchema = z.looseObject({
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z
    .looseObject({
      name: z.string().nullish(),
      arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).nullish(),
    })
    .nullish(),
});

const contentBlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().nullish(),
  thinking: z.string().nullish(),
});

export const cohereChatResponseSchema = z.looseObject({
  id: z.string().nullish(),
  generation_id: z.string().nullish(),
  message: z.looseObject({
    role: z.string().nullish(),
    content: z.array(contentBlockSchema).nullish(),
    tool_plan: z.string().nullish(),
    tool_calls: z.array(toolCallSchema).nullish(),
    citations: z.array(z.unknown()).nullish(),
  }),
  finish_reason: z.string().nullish(),
  usage: cohereUsageSchema,
  logprobs: z.unknown().optional(),
});

export type CohereChatResponse = z.infer<typeof cohereChatResponseSchema>;

/**
 * One stream event. Cohere names the event (`event: content-delta`) and repeats the name as `type`.
 * The payload under `delta` differs per type (`message-start` carries arrays where deltas carry objects),
 * so it is narrowed per type with the schemas below.
 */
export const cohereStreamEventSchema = z.looseObject({
  type: z.string(),
  id: z.string().nullish(),
  index: z.number().nullish(),
  delta: z.unknown().optional(),
});

/** `delta` of content-start / content-delta. */
export const cohereContentDeltaSchema = z.looseObject({
  message: z.looseObject({
    content: z.looseObject({ type: z.string().nullish(), text: z.string().nullish(), thinking: z.string().nullish() }),
  }),
});

/** `delta` of tool-plan-delta. */
export const cohereToolPlanDeltaSchema = z.looseObject({
  message: z.looseObject({ tool_plan: z.string().nullish() }),
});

/** `delta` of tool-call-start / tool-call-delta: one call, not an array. */
export const cohereToolCallDeltaSchema = z.looseObject({
  message: z.looseObject({ tool_calls: toolCallSchema }),
});

/** `delta` of message-end. */
export const cohereMessageEndSchema = z.looseObject({
  finish_reason: z.string().nullish(),
  usage: cohereUsageSchema,
  /** Set when the generation failed after the stream started. */
  error: z.string().nullish(),
});

export const cohereEmbedResponseSchema = z.looseObject({
  id: z.string().nullish(),
  embeddings: z.looseObject({ float: z.array(z.array(z.number())) }),
  meta: z
    .looseObject({
      billed_units: z.looseObject({ input_tokens: z.number().nullish() }).nullish(),
      tokens: z.looseObject({ input_tokens: z.number().nullish() }).nullish(),
    })
    .nullish(),
});

export const cohereModelListSchema = z.looseObject({
  models: z.array(
    z.looseObject({
      name: z.string(),
      endpoints: z.array(z.string()).nullish(),
      context_length: z.number().nullish(),
      finetuned: z.boolean().nullish(),
    }),
  ),
  next_page_token: z.string().nullish(),
});
