/**
 * Minimal shapes of Anthropic's Messages API wire format (responses, stream events, errors, model list).
 * Loose objects: Anthropic adds block types and usage fields often; unknown ones are ignored, not fatal.
 */
import { z } from 'zod';

export const ANTHROPIC_VERSION = '2023-06-01';

export const anthropicUsageSchema = z.looseObject({
  input_tokens: z.number().nullish(),
  output_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
  cache_read_input_tokens: z.number().nullish(),
  output_tokens_details: z.looseObject({ thinking_tokens: z.number().nullish() }).nullish(),
});

export type AnthropicUsage = z.infer<typeof anthropicUsageSchema>;

const contentBlockSchema = z.looseObject({
  type: z.string(),
  text: z.string().nullish(),
  thinking: z.string().nullish(),
  signature: z.string().nullish(),
  data: z.string().nullish(),
  id: z.string().nullish(),
  name: z.string().nullish(),
  input: z.unknown().optional(),
});

export type AnthropicContentBlock = z.infer<typeof contentBlockSchema>;

const stopDetailsSchema = z.looseObject({ type: z.string().nullish(), explanation: z.string().nullish() }).nullish();

export const anthropicMessageSchema = z.looseObject({
  id: z.string().nullish(),
  model: z.string().nullish(),
  content: z.array(contentBlockSchema).nullish(),
  stop_reason: z.string().nullish(),
  stop_sequence: z.string().nullish(),
  stop_details: stopDetailsSchema,
  usage: anthropicUsageSchema.nullish(),
});

export type AnthropicMessage = z.infer<typeof anthropicMessageSchema>;

export const anthropicErrorBodySchema = z.looseObject({
  type: z.literal('error').optional(),
  error: z.looseObject({ type: z.string().nullish(), message: z.string().nullish() }),
});

export const anthropicStreamEventSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('message_start'), message: anthropicMessageSchema }),
  z.looseObject({ type: z.literal('content_block_start'), index: z.number(), content_block: contentBlockSchema }),
  z.looseObject({
    type: z.literal('content_block_delta'),
    index: z.number(),
    delta: z.looseObject({
      type: z.string(),
      text: z.string().nullish(),
      thinking: z.string().nullish(),
      signature: z.string().nullish(),
      partial_json: z.string().nullish(),
    }),
  }),
  z.looseObject({ type: z.literal('content_block_stop'), index: z.number() }),
  z.looseObject({
    type: z.literal('message_delta'),
    delta: z.looseObject({
      stop_reason: z.string().nullish(),
      stop_sequence: z.string().nullish(),
      stop_details: stopDetailsSchema,
    }),
    usage: anthropicUsageSchema.nullish(),
  }),
  z.looseObject({ type: z.literal('message_stop') }),
  z.looseObject({ type: z.literal('ping') }),
  z.looseObject({
    type: z.literal('error'),
    error: z.looseObject({ type: z.string().nullish(), message: z.string().nullish() }),
  }),
]);

export type AnthropicStreamEvent = z.infer<typeof anthropicStreamEventSchema>;

export const anthropicModelListSchema = z.looseObject({
  data: z.array(
    z.looseObject({ id: z.string(), display_name: z.string().nullish(), created_at: z.string().nullish() }),
  ),
  has_more: z.boolean().nullish(),
  last_id: z.string().nullish(),
});

export const anthropicCountTokensSchema = z.looseObject({ input_tokens: z.number() });

/** Reads Anthropic's `{type:'error', error:{type, message}}` body for `errorFromUpstream`. */
export function describeAnthropicError(body: unknown): { message?: string; code?: string } {
  const parsed = anthropicErrorBodySchema.safeParse(body);
  if (!parsed.success) return {};
  const result: { message?: string; code?: string } = {};
  if (parsed.data.error.message) result.message = parsed.data.error.message;
  if (parsed.data.error.type) result.code = parsed.data.error.type;
  return result;
}

/**
 * The HTTP status an error type stands for, for `error` events sent after the 200 (the status line is gone
 * by then). Mirrors Anthropic's documented error table.
 */
export function statusForAnthropicErrorType(type: string | null | undefined): number {
  switch (type) {
    case 'invalid_request_error':
      return 400;
    case 'authentication_error':
      return 401;
    case 'billing_error':
      return 402;
    case 'permission_error':
      return 403;
    case 'not_found_error':
      return 404;
    case 'request_too_large':
      return 413;
    case 'rate_limit_error':
      return 429;
    case 'timeout_error':
      return 504;
    case 'overloaded_error':
      return 529;
    default:
      return 500;
  }
}
