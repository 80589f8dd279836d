import type { Dispatcher } from 'undici';
import { guardStream } from '../../provider-utils/guard-stream.js';
import { callJson, type JsonResponse, openUpstream } from '../../provider-utils/http-client.js';
import { generateId, generateToolCallId, unixSeconds } from '../../provider-utils/ids.js';
import { SseRelay } from '../../provider-utils/sse-relay.js';
import type {
  CallOptions,
  ChatChoice,
  ChatRequest,
  ChatResult,
  ChatStreamResult,
  LanguageModel,
  ToolCall,
  Warning,
} from '../../spec/chat.js';
import { ProviderAPIError } from '../../spec/errors.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { convertToOpenAIRequest, OPENAI_CHAT_FORMAT } from './convert-to-openai-request.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { type OpenAIChatResponse, openaiChatResponseSchema } from './openai-api.js';
import { toolCallArguments, translateOpenAIStream } from './openai-stream.js';
import { isWireExactCompletion } from './wire-exact-completion.js';

export interface OpenAICompatibleChatConfig {
  provider: string;
  /** Full URL of the chat-completions endpoint for a model. */
  url: (modelId: string) => string;
  headers: () => Record<string, string>;
  dispatcher?: Dispatcher;
  /** Whether the vendor honours `stream_options.include_usage`. */
  streamUsage: boolean;
  /**
   * Vendor hook: adjust the outbound body (drop or rename fields the vendor rejects), returning warnings.
   * It may mutate `body`; the adapter then re-serialises it.
   */
  prepareBody?: (
    body: Record<string, unknown>,
    request: ChatRequest,
    stream: boolean,
  ) => Warning[] | Promise<Warning[]>;
  describeError?: (body: unknown) => { message?: string; code?: string };
  /**
   * Vendor hook: reshape a parsed response body or stream chunk into the OpenAI shape before validation
   * (Mistral's content-chunk arrays, Groq's `x_groq.usage`). `raw` in results keeps the body as received.
   */
  transformResponse?: (value: unknown, context: { request: ChatRequest; stream: boolean }) => unknown;
}

interface PreparedBody {
  body: Record<string, unknown> | Uint8Array;
  warnings: Warning[];
}

export class OpenAICompatibleChatModel implements LanguageModel {
  readonly provider: string;

  readonly #url: string;

  constructor(
    readonly modelId: string,
    private readonly config: OpenAICompatibleChatConfig,
  ) {
    this.provider = config.provider;
    this.#url = config.url(modelId);
  }

  /**
   * The outbound body: the client's own bytes when nothing needs to change, else the adjusted object. Returns
   * a plain value when no vendor hook runs (no promise on the pass-through path).
   */
  private prepare(request: ChatRequest, stream: boolean, options: CallOptions): PreparedBody | Promise<PreparedBody> {
    const prepareBody = this.config.prepareBody;
    const passthrough = options.passthrough?.format === OPENAI_CHAT_FORMAT ? options.passthrough : undefined;
    const converted = convertToOpenAIRequest(request, this.modelId, stream, {
      streamUsage: this.config.streamUsage,
      mutable: prepareBody !== undefined,
      passthrough,
      provider: this.provider,
    });
    const { body, modified } = converted;
    if (prepareBody === undefined) {
      const raw = passthrough?.bytes;
      return { body: !modified && raw !== undefined ? raw : body, warnings: converted.warnings };
    }
    const warnings = prepareBody(body, request, stream);
    const withNarrowing = (list: Warning[]) =>
      converted.warnings.length === 0 ? list : [...converted.warnings, ...list];
    return warnings instanceof Promise
      ? warnings.then((list) => ({ body, warnings: withNarrowing(list) }))
      : { body, warnings: withNarrowing(warnings) };
  }

  async generate(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const prepared = this.prepare(request, false, options);
    const { body, warnings } = prepared instanceof Promise ? await prepared : prepared;
    const response = await callJson({
      provider: this.provider,
      model: this.modelId,
      url: this.#url,
      headers: { 'content-type': 'application/json', ...this.config.headers(), ...options.headers },
      body,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      dispatcher: this.config.dispatcher,
      describeError: this.config.describeError,
    });
    // An answer already in OpenAI's exact format needs no schema parse and goes to an OpenAI client as it came.
    const received = response.value;
    const exact = this.config.transformResponse === undefined && isWireExactCompletion(received);
    const value: OpenAIChatResponse = exact ? received : this.#parseResponse(response, request);
    const choices: ChatChoice[] = value.choices.map((choice, position) => {
      const toolCalls: ToolCall[] | undefined = choice.message.tool_calls?.map((call) => ({
        id: call.id ?? generateToolCallId(),
        type: 'function',
        function: { name: call.function?.name ?? '', arguments: toolCallArguments(call.function?.arguments) },
      }));
      const reasoning = choice.message.reasoning_content ?? choice.message.reasoning ?? undefined;
      const result: ChatChoice = {
        index: choice.index ?? position,
        message: { role: 'assistant', content: choice.message.content ?? null },
        finishReason: mapOpenAIFinishReason(choice.finish_reason),
      };
      if (choice.finish_reason !== null && choice.finish_reason !== undefined)
        result.rawFinishReason = choice.finish_reason;
      if (typeof choice.stop_reason === 'string') result.stopSequence = choice.stop_reason;
      if (reasoning !== undefined && reasoning !== null) result.message.reasoningContent = reasoning;
      if (toolCalls !== undefined && toolCalls.length > 0) result.message.toolCalls = toolCalls;
      if (choice.message.refusal !== undefined && choice.message.refusal !== null)
        result.message.refusal = choice.message.refusal;
      if (choice.logprobs !== undefined && choice.logprobs !== null) result.logprobs = choice.logprobs;
      return result;
    });
    const result: ChatResult = {
      id: value.id ?? generateId('chatcmpl'),
      created: value.created ?? unixSeconds(),
      model: value.model ?? this.modelId,
      provider: this.provider,
      choices,
      usage: convertOpenAIUsage(value.usage),
      warnings,
      raw: response.value,
      response: exact
        ? { status: response.status, headers: response.headers, body: response.bytes, format: OPENAI_CHAT_FORMAT }
        : { status: response.status, headers: response.headers },
    };
    if (value.system_fingerprint !== undefined && value.system_fingerprint !== null)
      result.systemFingerprint = value.system_fingerprint;
    return result;
  }

  #parseResponse(response: JsonResponse, request: ChatRequest): OpenAIChatResponse {
    const parsed = openaiChatResponseSchema.safeParse(
      this.config.transformResponse?.(response.value, { request, stream: false }) ?? response.value,
    );
    if (parsed.success) return parsed.data;
    throw new ProviderAPIError({
      message: `${this.provider} returned an unexpected chat response: ${parsed.error.issues[0]?.message ?? 'invalid shape'}`,
      provider: this.provider,
      model: this.modelId,
      upstream: { status: response.status, body: response.value },
    });
  }

  async stream(request: ChatRequest, options: CallOptions = {}): Promise<ChatStreamResult> {
    const { body, warnings } = await this.prepare(request, true, options);
    const url = this.#url;
    const upstream = await openUpstream({
      provider: this.provider,
      model: this.modelId,
      url,
      headers: { accept: 'text/event-stream', ...this.config.headers(), ...options.headers },
      body,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      dispatcher: this.config.dispatcher,
      describeError: this.config.describeError,
    });
    const provider = this.provider;
    const model = this.modelId;
    const transformResponse = this.config.transformResponse;
    // The client's own bytes went out unchanged: the stream is what the client asked for, relayed as it is.
    const relay = body instanceof Uint8Array && transformResponse === undefined ? new SseRelay() : undefined;
    const context = { provider, model, url, request, transformResponse, relay };
    return {
      provider,
      model,
      warnings,
      response: { status: upstream.status, headers: upstream.headers },
      parts: guardStream(translateOpenAIStream(upstream, context), upstream, { provider, model }),
    };
  }
}
