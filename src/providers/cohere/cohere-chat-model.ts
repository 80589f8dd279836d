import type { Dispatcher } from 'undici';
import { guardStream } from '../../provider-utils/guard-stream.js';
import { callJson, openUpstream } from '../../provider-utils/http-client.js';
import { generateId, generateToolCallId, unixSeconds } from '../../provider-utils/ids.js';
import { merged } from '../../provider-utils/merged.js';
import { parseSse } from '../../provider-utils/sse-parser.js';
import type {
  CallOptions,
  ChatChoice,
  ChatRequest,
  ChatResult,
  ChatStreamResult,
  LanguageModel,
  ToolCall,
} from '../../spec/chat.js';
import { ProviderAPIError } from '../../spec/errors.js';
import { type CohereChatResponse, cohereChatResponseSchema } from './cohere-api.js';
import { withCohereErrors } from './cohere-error.js';
import { cohereStreamParts } from './cohere-stream-parts.js';
import { convertCohereUsage } from './convert-cohere-usage.js';
import { normaliseToolArguments } from './convert-to-cohere-messages.js';
import { convertToCohereRequest } from './convert-to-cohere-request.js';
import { mapCohereFinishReason } from './map-cohere-finish-reason.js';

export interface CohereChatConfig {
  provider: string;
  /** Full URL of `/v2/chat`, resolved per call. */
  url: () => string;
  /** Auth and extra headers, resolved per call (fails fast without a key). */
  headers: () => Record<string, string>;
  dispatcher?: Dispatcher;
}

/**
 * Text and thinking blocks of a response. Cohere's `tool_plan` (its stated plan before calling tools) is
 * reported as reasoning too: it is model-written reasoning, and dropping it would lose what clients show
 * as "thinking"; it is replayed as `tool_plan` when the turn comes back.
 */
function splitContent(message: CohereChatResponse['message']): { text: string | null; reasoning?: string } {
  const blocks = message.content ?? [];
  const texts = blocks.filter((block) => block.type === 'text').map((block) => block.text ?? '');
  const thinking = blocks
    .filter((block) => block.type === 'thinking')
    .map((block) => block.thinking ?? '')
    .join('');
  const reasoning = [thinking, message.tool_plan ?? ''].filter((part) => part.length > 0).join('\n\n');
  const result: { text: string | null; reasoning?: string } = { text: texts.length > 0 ? texts.join('') : null };
  if (reasoning.length > 0) result.reasoning = reasoning;
  return result;
}

/** A Cohere chat model (`/v2/chat`): one choice per request, typed stream parts. */
export class CohereChatModel implements LanguageModel {
  readonly provider: string;

  constructor(
    readonly modelId: string,
    private readonly config: CohereChatConfig,
  ) {
    this.provider = config.provider;
  }

  async generate(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const { body, warnings } = convertToCohereRequest(request, this.modelId, false, this.provider);
    const headers = merged(this.config.headers(), options.headers);
    const url = this.config.url();
    const response = await withCohereErrors(
      callJson({
        provider: this.provider,
        model: this.modelId,
        url,
        headers,
        body,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        dispatcher: this.config.dispatcher,
      }),
    );
    const parsed = cohereChatResponseSchema.safeParse(response.value);
    if (!parsed.success) {
      throw new ProviderAPIError({
        message: `${this.provider} returned an unexpected chat response: ${parsed.error.issues[0]?.message ?? 'invalid shape'}`,
        provider: this.provider,
        model: this.modelId,
        upstream: { url, status: response.status, body: response.value },
      });
    }
    const value = parsed.data;
    const { text, reasoning } = splitContent(value.message);
    const toolCalls: ToolCall[] = (value.message.tool_calls ?? []).map((call) => ({
      id: call.id ?? generateToolCallId(),
      type: 'function',
      function: { name: call.function?.name ?? '', arguments: normaliseToolArguments(call.function?.arguments) },
    }));
    const choice: ChatChoice = {
      index: 0,
      message: { role: 'assistant', content: text },
      finishReason: mapCohereFinishReason(value.finish_reason),
    };
    if (value.finish_reason) choice.rawFinishReason = value.finish_reason;
    if (reasoning !== undefined) choice.message.reasoningContent = reasoning;
    if (toolCalls.length > 0) choice.message.toolCalls = toolCalls;
    return {
      id: value.id ?? value.generation_id ?? generateId('chatcmpl'),
      created: unixSeconds(),
      model: this.modelId,
      provider: this.provider,
      choices: [choice],
      usage: convertCohereUsage(value.usage),
      warnings,
      raw: response.value,
      response: { status: response.status, headers: response.headers },
    };
  }

  async stream(request: ChatRequest, options: CallOptions = {}): Promise<ChatStreamResult> {
    const { body, warnings } = convertToCohereRequest(request, this.modelId, true, this.provider);
    const headers = { accept: 'text/event-stream', ...this.config.headers(), ...options.headers };
    const url = this.config.url();
    const upstream = await withCohereErrors(
      openUpstream({
        provider: this.provider,
        model: this.modelId,
        url,
        headers,
        body,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        dispatcher: this.config.dispatcher,
      }),
    );
    const context = { provider: this.provider, model: this.modelId, url };
    return {
      provider: this.provider,
      model: this.modelId,
      warnings,
      response: { status: upstream.status, headers: upstream.headers },
      parts: guardStream(
        cohereStreamParts(parseSse(upstream.body, { provider: this.provider }), context),
        upstream,
        context,
      ),
    };
  }
}
