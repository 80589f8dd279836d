/**
 * Neutral results and errors → Anthropic's message and error shapes: `msg_` ids, content blocks, stop reasons,
 * usage with the cache counts split out as Anthropic reports them.
 */
import { randomBytes } from 'node:crypto';
import type { AssistantMessage, ChatResult, FinishReason, Usage } from '../../../spec/chat.js';
import type { LlamaGateError } from '../../../spec/errors.js';
import { type FinishFacts, stopSequenceOf } from './stop-sequence.js';

export type AnthropicStopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded';

const ANTHROPIC_STOP_REASONS: ReadonlySet<string> = new Set<AnthropicStopReason>([
  'end_turn',
  'max_tokens',
  'stop_sequence',
  'tool_use',
  'pause_turn',
  'refusal',
  'model_context_window_exceeded',
]);

/** An id in Anthropic's style (`msg_` + 24 base62-ish characters), unless the upstream already issued one. */
export function anthropicId(prefix: 'msg' | 'toolu', upstreamId?: string): string {
  if (upstreamId?.startsWith(`${prefix}_`)) return upstreamId;
  return `${prefix}_01${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x').slice(0, 22)}`;
}

/** The upstream's tool-call id when Anthropic's pattern allows it (the client echoes it back), else a new one. */
export function toolUseId(id: string | undefined): string {
  return id !== undefined && /^[a-zA-Z0-9_-]{1,128}$/.test(id) ? id : anthropicId('toolu');
}

/** The provider's own stop reason when it is Anthropic's vocabulary, else the unified one mapped. */
export function stopReasonFor(finishReason: FinishReason, raw: string | undefined): AnthropicStopReason {
  if (raw !== undefined && ANTHROPIC_STOP_REASONS.has(raw)) return raw as AnthropicStopReason;
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

export interface AnthropicUsageBody {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
}

/** Anthropic's `input_tokens` excludes cache reads and writes; the neutral prompt count includes both. */
export function encodeAnthropicUsage(usage: Usage): AnthropicUsageBody {
  const cacheRead = usage.cachedTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, (usage.promptTokens ?? 0) - cacheRead - cacheWrite),
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    output_tokens: usage.completionTokens ?? 0,
  };
}

/** A tool call's arguments as the object Anthropic's `input` must be (arguments that are not one become `{}`). */
export function toolInput(argumentsText: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(argumentsText === '' ? '{}' : argumentsText);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // not JSON: an empty object below
  }
  return {};
}

function contentBlocks(message: AssistantMessage): Record<string, unknown>[] {
  const blocks: Record<string, unknown>[] = [];
  if (message.reasoning !== undefined) {
    for (const part of message.reasoning) {
      if (part.type === 'redacted_thinking') blocks.push({ type: 'redacted_thinking', data: part.data });
      else blocks.push({ type: 'thinking', thinking: part.thinking, signature: part.signature ?? '' });
    }
  } else if (message.reasoningContent) {
    // Another provider's reasoning: shown as thinking, with no signature (only Anthropic issues those).
    blocks.push({ type: 'thinking', thinking: message.reasoningContent, signature: '' });
  }
  const text = message.content ?? (message.toolCalls === undefined ? message.refusal : undefined);
  if (text) blocks.push({ type: 'text', text });
  for (const call of message.toolCalls ?? []) {
    blocks.push({
      type: 'tool_use',
      id: toolUseId(call.id),
      name: call.function.name,
      input: toolInput(call.function.arguments),
    });
  }
  return blocks;
}

/** `stop_reason` and `stop_sequence`: a stop sequence found (see stop-sequence.ts) is the reason. */
export function stopFields(
  stops: readonly string[] | undefined,
  finish: FinishFacts,
  output: string,
): { stop_reason: AnthropicStopReason; stop_sequence: string | null } {
  const sequence = stopSequenceOf(stops, finish, output);
  if (sequence !== undefined) return { stop_reason: 'stop_sequence', stop_sequence: sequence };
  return { stop_reason: stopReasonFor(finish.finishReason, finish.rawFinishReason), stop_sequence: null };
}

/** One result → Anthropic's `message` object; `stops` are the request's stop sequences. */
export function encodeAnthropicMessage(
  result: ChatResult,
  model: string,
  id: string,
  stops?: readonly string[],
): Record<string, unknown> {
  const choice = result.choices[0];
  const message: AssistantMessage = choice?.message ?? { role: 'assistant', content: null };
  const finish: FinishFacts = choice ?? { finishReason: 'stop' };
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: contentBlocks(message),
    ...stopFields(stops, finish, message.content ?? ''),
    usage: encodeAnthropicUsage(result.usage),
  };
}

export type AnthropicErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'billing_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'rate_limit_error'
  | 'timeout_error'
  | 'api_error'
  | 'overloaded_error';

/** Anthropic's error type and status for a gateway error (its documented table; 503 and 529 are `overloaded`). */
export function anthropicErrorType(error: LlamaGateError): { type: AnthropicErrorType; status: number } {
  const status = error.status;
  if (status === 413 || error.code === 'payload_too_large') return { type: 'request_too_large', status: 413 };
  if (status === 401) return { type: 'authentication_error', status };
  if (status === 402) return { type: 'billing_error', status };
  if (status === 403) return { type: 'permission_error', status };
  if (status === 404) return { type: 'not_found_error', status };
  if (status === 429) return { type: 'rate_limit_error', status };
  if (status === 503 || status === 529) return { type: 'overloaded_error', status };
  if (status === 504 || status === 408) return { type: 'timeout_error', status };
  if (status >= 500) return { type: 'api_error', status };
  return { type: 'invalid_request_error', status: Math.max(status, 400) };
}

export interface AnthropicErrorBody {
  type: 'error';
  error: { type: AnthropicErrorType; message: string };
  request_id?: string;
}

export function anthropicErrorBody(error: LlamaGateError, requestId?: string): AnthropicErrorBody {
  const body: AnthropicErrorBody = {
    type: 'error',
    error: { type: anthropicErrorType(error).type, message: error.message },
  };
  if (requestId !== undefined) body.request_id = requestId;
  return body;
}
