import { merged } from '../../provider-utils/merged.js';
import { toPortableMessages, toPortableTools } from '../../provider-utils/portable-messages.js';
import type { CallPassthrough, ChatRequest, Warning } from '../../spec/chat.js';

/** The wire format an OpenAI-compatible adapter forwards as it is. */
export const OPENAI_CHAT_FORMAT = 'openai-chat';

/**
 * The OpenAI request body for a chat request. When the call carries the client's OpenAI body (a same-format
 * passthrough) it is the base: field order and fields the gateway does not know are kept; only `model` (and
 * for streams the usage option) are set. Otherwise the body is built from the typed settings.
 */
export function convertToOpenAIRequest(
  request: ChatRequest,
  modelId: string,
  stream: boolean,
  options: {
    streamUsage: boolean;
    /** The caller will change the body: never hand back the client's object. */
    mutable?: boolean;
    passthrough?: CallPassthrough | undefined;
    /** The provider's name, for warnings. */
    provider?: string;
  },
): { body: Record<string, unknown>; modified: boolean; warnings: Warning[] } {
  const passthrough = options.passthrough;
  if (passthrough !== undefined && passthrough.format === OPENAI_CHAT_FORMAT) {
    const original = passthrough.body;
    const changes: Record<string, unknown> = {};
    let modified = false;
    if (original.model !== modelId) {
      changes.model = modelId;
      modified = true;
    }
    if (stream) {
      if (original.stream !== true) {
        changes.stream = true;
        modified = true;
      }
      if (options.streamUsage) {
        const streamOptions = (
          typeof original.stream_options === 'object' && original.stream_options !== null ? original.stream_options : {}
        ) as Record<string, unknown>;
        if (streamOptions.include_usage !== true) {
          changes.stream_options = merged(streamOptions, { include_usage: true });
          modified = true;
        }
      }
    } else if (original.stream !== undefined && original.stream !== false) {
      changes.stream = false;
      modified = true;
    }
    // Nothing to change and nobody will: the client's own object, no copy (the common pass-through).
    if (!modified && options.mutable !== true) {
      return { body: original as Record<string, unknown>, modified, warnings: [] };
    }
    return { body: merged(original, changes), modified, warnings: [] };
  }
  const provider = options.provider ?? 'this provider';
  const portable = toPortableMessages(request.messages, provider);
  const warnings = portable.warnings;
  const body: Record<string, unknown> = { model: modelId, messages: portable.messages };
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop !== undefined) body.stop = request.stop;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.frequencyPenalty !== undefined) body.frequency_penalty = request.frequencyPenalty;
  if (request.presencePenalty !== undefined) body.presence_penalty = request.presencePenalty;
  if (request.n !== undefined) body.n = request.n;
  if (request.tools !== undefined) {
    const portableTools = toPortableTools(request.tools, provider);
    body.tools = portableTools.tools;
    for (const warning of portableTools.warnings) {
      if (!warnings.some((known) => known.setting === warning.setting)) warnings.push(warning);
    }
  }
  if (request.toolChoice !== undefined) body.tool_choice = request.toolChoice;
  if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  if (request.responseFormat !== undefined) body.response_format = request.responseFormat;
  if (request.reasoningEffort !== undefined) body.reasoning_effort = request.reasoningEffort;
  if (request.logprobs !== undefined) body.logprobs = request.logprobs;
  if (request.topLogprobs !== undefined) body.top_logprobs = request.topLogprobs;
  if (request.user !== undefined) body.user = request.user;
  if (stream) {
    body.stream = true;
    if (options.streamUsage) body.stream_options = { include_usage: true };
  }
  return { body, modified: true, warnings };
}

/** Removes a field the vendor rejects, with a warning the server reports in `x-llamagate-warnings`. */
export function dropUnsupported(
  body: Record<string, unknown>,
  field: string,
  provider: string,
  warnings: Warning[],
  reason?: string,
): void {
  if (body[field] === undefined) return;
  delete body[field];
  warnings.push({
    type: 'unsupported-setting',
    setting: field,
    message: reason ?? `${provider} does not support ${field}; it was dropped`,
  });
}
