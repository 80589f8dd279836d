/**
 * Neutral results → Responses API objects: output items (reasoning, message, function calls, in that order),
 * usage, and the `response` envelope echoing the request's settings, as OpenAI returns them.
 */
import type { ChatResult, FinishReason, Usage } from '../../../spec/chat.js';
import type { ResponseMeta } from '../chat-codec.js';
import type {
  FunctionCallItem,
  MessageItem,
  OutputItem,
  ReasoningItem,
  ResponseObject,
  ResponseStatus,
  ResponsesCall,
  ResponsesUsage,
} from './responses-types.js';

const ITEM_ID = /^[a-z]+_([A-Za-z0-9]+)_(in)?(\d+)$/;

/**
 * Item ids carry their response's id (`msg_<response suffix>_<index>`, `_in<index>` for input items), so an
 * `item_reference` resolves with the one indexed read of its response.
 */
export function itemId(responseId: string, prefix: 'msg' | 'fc' | 'rs' | 'fco', index: number, input = false): string {
  return `${prefix}_${responseId.slice('resp_'.length)}_${input ? 'in' : ''}${index}`;
}

/** The response an item id belongs to, or undefined for ids the gateway did not make. */
export function responseIdOfItem(id: string): string | undefined {
  const match = ITEM_ID.exec(id);
  return match === null ? undefined : `resp_${match[1]}`;
}

export function encodeResponsesUsage(usage: Usage): ResponsesUsage {
  const input = usage.promptTokens ?? 0;
  const output = usage.completionTokens ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: usage.cachedTokens ?? 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.totalTokens ?? input + output,
  };
}

/** `length` and `content_filter` end a response as `incomplete`, with the reason OpenAI gives. */
export function statusOf(finishReason: FinishReason | undefined): {
  status: ResponseStatus;
  incomplete: ResponseObject['incomplete_details'];
} {
  if (finishReason === 'length') return { status: 'incomplete', incomplete: { reason: 'max_output_tokens' } };
  if (finishReason === 'content_filter') return { status: 'incomplete', incomplete: { reason: 'content_filter' } };
  return { status: 'completed', incomplete: null };
}

export interface ResponseParts {
  output: OutputItem[];
  status: ResponseStatus;
  incomplete: ResponseObject['incomplete_details'];
  usage: ResponsesUsage | null;
  error: ResponseObject['error'];
  completedAt: number | null;
}

/** The `response` envelope; `in_progress` snapshots (stream start) carry no usage and no output yet. */
export function responseObject(call: ResponsesCall, meta: ResponseMeta, parts: ResponseParts): ResponseObject {
  const settings = call.settings;
  return {
    id: call.responseId,
    object: 'response',
    created_at: meta.created,
    status: parts.status,
    background: false,
    completed_at: parts.completedAt,
    error: parts.error,
    incomplete_details: parts.incomplete,
    instructions: settings.instructions,
    max_output_tokens: settings.maxOutputTokens,
    max_tool_calls: null,
    model: meta.model,
    output: parts.output,
    parallel_tool_calls: settings.parallelToolCalls,
    previous_response_id: settings.previousResponseId,
    reasoning: { effort: settings.reasoningEffort, summary: null },
    service_tier: 'default',
    store: settings.store,
    temperature: settings.temperature ?? 1,
    text: { format: settings.textFormat },
    tool_choice: settings.toolChoice,
    tools: settings.tools,
    top_logprobs: 0,
    top_p: settings.topP ?? 1,
    truncation: settings.truncation,
    usage: parts.usage,
    user: settings.user,
    metadata: settings.metadata,
  };
}

/** The output items of a result's first choice. */
export function outputItems(result: ChatResult, responseId: string): OutputItem[] {
  const choice = result.choices[0];
  if (choice === undefined) return [];
  const output: OutputItem[] = [];
  const message = choice.message;
  if (message.reasoningContent !== undefined && message.reasoningContent !== '') {
    const reasoning: ReasoningItem = {
      id: itemId(responseId, 'rs', output.length),
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: message.reasoningContent }],
    };
    output.push(reasoning);
  }
  const text = message.content ?? '';
  const refusal = message.refusal ?? '';
  if (text !== '' || refusal !== '' || (message.toolCalls ?? []).length === 0) {
    const item: MessageItem = {
      id: itemId(responseId, 'msg', output.length),
      type: 'message',
      status: choice.finishReason === 'length' ? 'incomplete' : 'completed',
      content:
        refusal !== ''
          ? [{ type: 'refusal', refusal }]
          : [{ type: 'output_text', annotations: [], logprobs: [], text }],
      role: 'assistant',
    };
    output.push(item);
  }
  for (const call of message.toolCalls ?? []) {
    const item: FunctionCallItem = {
      id: itemId(responseId, 'fc', output.length),
      type: 'function_call',
      status: 'completed',
      arguments: call.function.arguments,
      call_id: call.id,
      name: call.function.name,
    };
    output.push(item);
  }
  return output;
}

export function encodeResponsesResult(result: ChatResult, call: ResponsesCall, meta: ResponseMeta): ResponseObject {
  const { status, incomplete } = statusOf(result.choices[0]?.finishReason);
  return responseObject(call, meta, {
    output: outputItems(result, call.responseId),
    status,
    incomplete,
    usage: encodeResponsesUsage(result.usage),
    error: null,
    completedAt: Math.floor(Date.now() / 1000),
  });
}
