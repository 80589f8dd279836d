import type { OpenAIChatResponse } from './openai-api.js';

/**
 * Whether an upstream `chat.completion` body already is OpenAI's wire format in every field the gateway would
 * otherwise re-encode: `id`, `object`, `created`, `model`, each choice's `index`, assistant `message` (string or
 * null content, no non-standard `reasoning` field, complete tool calls with string arguments), an OpenAI
 * `finish_reason`, and a usage block with all three counts. Fields OpenAI leaves out rather than nulls
 * (`tool_calls`, `reasoning_content`) must be absent or real. Such a body can be sent to the client byte for
 * byte (fields the gateway does not know pass through), and it also satisfies `openaiChatResponseSchema`, so
 * the adapter skips that parse and hands the bytes on as the result's `response.body` (the OpenAI chat codec
 * sends them unchanged). Anything else is validated with the schema and re-encoded as usual.
 */
export function isWireExactCompletion(value: unknown): value is OpenAIChatResponse {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Record<string, unknown>;
  if (
    body.object !== 'chat.completion' ||
    typeof body.id !== 'string' ||
    typeof body.created !== 'number' ||
    typeof body.model !== 'string' ||
    !isStringOrAbsent(body.system_fingerprint) ||
    !isCompleteUsage(body.usage)
  )
    return false;
  const choices = body.choices;
  if (!Array.isArray(choices) || choices.length === 0) return false;
  for (const choice of choices) if (!isWireExactChoice(choice)) return false;
  return true;
}

const FINISH_REASONS = new Set(['stop', 'length', 'tool_calls', 'content_filter']);

function isStringOrAbsent(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}

function isCompleteUsage(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const usage = value as Record<string, unknown>;
  return (
    Number.isInteger(usage.prompt_tokens) &&
    Number.isInteger(usage.completion_tokens) &&
    Number.isInteger(usage.total_tokens) &&
    isNumberOrAbsent(usage.prompt_cache_hit_tokens) &&
    isDetailsOrAbsent(usage.prompt_tokens_details, 'cached_tokens') &&
    isDetailsOrAbsent(usage.completion_tokens_details, 'reasoning_tokens')
  );
}

function isNumberOrAbsent(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'number';
}

function isDetailsOrAbsent(value: unknown, count: string): boolean {
  if (value === undefined || value === null) return true;
  return typeof value === 'object' && isNumberOrAbsent((value as Record<string, unknown>)[count]);
}

function isWireExactChoice(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const choice = value as Record<string, unknown>;
  if (typeof choice.index !== 'number' || !FINISH_REASONS.has(choice.finish_reason as string)) return false;
  const message = choice.message;
  if (typeof message !== 'object' || message === null) return false;
  const fields = message as Record<string, unknown>;
  if (fields.role !== 'assistant' || (typeof fields.content !== 'string' && fields.content !== null)) return false;
  if (fields.reasoning !== undefined) return false;
  if (fields.reasoning_content !== undefined && typeof fields.reasoning_content !== 'string') return false;
  if (!isStringOrAbsent(fields.refusal)) return false;
  // OpenAI leaves `tool_calls` out when there are none; `null` or `[]` would reach clients as sent.
  const toolCalls = fields.tool_calls;
  if (toolCalls === undefined) return true;
  if (!Array.isArray(toolCalls) || toolCalls.length === 0) return false;
  for (const call of toolCalls) if (!isCompleteToolCall(call)) return false;
  return true;
}

function isCompleteToolCall(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const call = value as Record<string, unknown>;
  if (typeof call.id !== 'string' || call.id === '' || call.type !== 'function') return false;
  if (call.index !== undefined && typeof call.index !== 'number') return false;
  const invoked = call.function;
  if (typeof invoked !== 'object' || invoked === null) return false;
  const { name, arguments: encoded } = invoked as Record<string, unknown>;
  return typeof name === 'string' && typeof encoded === 'string';
}
