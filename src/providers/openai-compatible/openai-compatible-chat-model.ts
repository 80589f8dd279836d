import type { Dispatcher } from 'undici';
import { guardStream } from '../../provider-utils/guard-stream.js';
import { callJson, type JsonResponse, openUpstream, type UpstreamStream } from '../../provider-utils/http-client.js';
import { generateId, generateToolCallId, unixSeconds } from '../../provider-utils/ids.js';
import { parseEventJson, parseSse } from '../../provider-utils/sse-parser.js';
import { errorFromUpstream, hasErrorField } from '../../provider-utils/upstream-error.js';
import type {
  CallOptions,
  ChatChoice,
  ChatRequest,
  ChatResult,
  ChatStreamPart,
  ChatStreamResult,
  LanguageModel,
  ToolCall,
  Warning,
} from '../../spec/chat.js';
import { ProviderAPIError } from '../../spec/errors.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { convertToOpenAIRequest, OPENAI_CHAT_FORMAT } from './convert-to-openai-request.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import {
  type OpenAIChatChunk,
  type OpenAIChatResponse,
  openaiChatChunkSchema,
  openaiChatResponseSchema,
  openaiStreamErrorSchema,
} from './openai-api.js';
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

function toolCallArguments(value: string | Record<string, unknown> | null | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
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
    const context = { provider, model, url, request, transformResponse: this.config.transformResponse };
    return {
      provider,
      model,
      warnings,
      response: { status: upstream.status, headers: upstream.headers },
      parts: guardStream(translateOpenAIStream(upstream, context), upstream, { provider, model }),
    };
  }
}

interface OpenAIStreamContext {
  provider: string;
  model: string;
  url: string;
  request: ChatRequest;
  transformResponse: OpenAICompatibleChatConfig['transformResponse'];
}

/**
 * The parts of one OpenAI-style event stream. Declared once, not per stream: a generator function made per
 * call gives each stream's generator a prototype and hidden class of its own (decision 0019).
 */
async function* translateOpenAIStream(
  upstream: UpstreamStream,
  { provider, model, url, request, transformResponse }: OpenAIStreamContext,
): AsyncGenerator<ChatStreamPart> {
  const toolCallIds = new Map<string, string>();
  let sentMetadata = false;
  let ended = false;
  let events = 0;
  for await (const event of parseSse(upstream.body, { provider })) {
    events++;
    if (event.data === '[DONE]') {
      ended = true;
      break;
    }
    if (event.data.length === 0) continue;
    const json = parseEventJson(event.data, { provider, model, url });
    const streamError = hasErrorField(json) ? openaiStreamErrorSchema.safeParse(json) : undefined;
    if (streamError?.success === true) {
      const code = streamError.data.error.code;
      const status = typeof code === 'number' && code >= 400 ? code : 500;
      yield {
        type: 'error',
        error: errorFromUpstream({ provider, model, url, status, headers: {}, body: json }),
      };
      return;
    }
    const parsed = openaiChatChunkSchema.safeParse(transformResponse?.(json, { request, stream: true }) ?? json);
    if (!parsed.success) {
      throw new ProviderAPIError({
        message: `${provider} sent an unexpected stream chunk`,
        provider,
        model,
        upstream: { url, body: json },
      });
    }
    const chunk: OpenAIChatChunk = parsed.data;
    // Azure may open with a `prompt_filter_results` chunk (no choices, empty id/model): wait for a real one.
    if (!sentMetadata && (chunk.id || chunk.model || chunk.created || chunk.choices.length > 0)) {
      sentMetadata = true;
      const metadata: ChatStreamPart = { type: 'response-metadata' };
      if (chunk.id) metadata.id = chunk.id;
      if (chunk.model) metadata.model = chunk.model;
      if (chunk.created) metadata.created = chunk.created;
      if (chunk.system_fingerprint) metadata.systemFingerprint = chunk.system_fingerprint;
      yield metadata;
    }
    for (const choice of chunk.choices) {
      const choiceIndex = choice.index ?? 0;
      const delta = choice.delta;
      if (delta) {
        const reasoning = delta.reasoning_content ?? delta.reasoning;
        if (reasoning) yield { type: 'reasoning-delta', choiceIndex, delta: reasoning };
        if (delta.content) yield { type: 'text-delta', choiceIndex, delta: delta.content };
        if (delta.refusal) yield { type: 'refusal-delta', choiceIndex, delta: delta.refusal };
        if (delta.tool_calls) {
          for (const [position, call] of delta.tool_calls.entries()) {
            const toolCallIndex = call.index ?? position;
            const key = `${choiceIndex}:${toolCallIndex}`;
            let id = call.id ?? undefined;
            if (!toolCallIds.has(key)) {
              id ??= generateToolCallId();
              toolCallIds.set(key, id);
            } else if (id === toolCallIds.get(key)) {
              id = undefined;
            }
            const part: ChatStreamPart = {
              type: 'tool-call-delta',
              choiceIndex,
              toolCallIndex,
              argumentsDelta: toolCallArguments(call.function?.arguments),
            };
            if (id !== undefined) part.id = id;
            if (call.function?.name) part.name = call.function.name;
            yield part;
          }
        }
      }
      if (choice.finish_reason) {
        ended = true;
        const finish: ChatStreamPart = {
          type: 'finish',
          choiceIndex,
          finishReason: mapOpenAIFinishReason(choice.finish_reason),
          rawFinishReason: choice.finish_reason,
        };
        if (typeof choice.stop_reason === 'string') finish.stopSequence = choice.stop_reason;
        yield finish;
      }
    }
    if (chunk.usage) yield { type: 'usage', usage: convertOpenAIUsage(chunk.usage) };
  }
  // A stream cut before any finish_reason or [DONE] is a failure, never a completion that "stopped".
  if (!ended) throw unfinishedStream(provider, model, url, upstream.headers, events);
}

function unfinishedStream(
  provider: string,
  model: string,
  url: string,
  headers: Record<string, string>,
  events: number,
): ProviderAPIError {
  const contentType = headers['content-type'] ?? '';
  const message =
    events > 0
      ? `${provider} ended the stream without a finish_reason or [DONE]`
      : contentType.includes('text/event-stream')
        ? `${provider} sent an empty event stream`
        : `${provider} answered a stream request with ${contentType === '' ? 'no content type' : contentType}, not an event stream`;
  return new ProviderAPIError({ message, provider, model, isRetryable: true, upstream: { url, headers } });
}
