import type { Dispatcher } from 'undici';
import { guardStream } from '../../provider-utils/guard-stream.js';
import { callJson, openUpstream } from '../../provider-utils/http-client.js';
import { generateId, generateToolCallId, unixSeconds } from '../../provider-utils/ids.js';
import { merged } from '../../provider-utils/merged.js';
import { NdjsonLineSplitter, readNdjsonFrames } from '../../provider-utils/ndjson-parser.js';
import { errorFromUpstream, hasErrorField, unexpectedStreamItem } from '../../provider-utils/upstream-error.js';
import type {
  CallOptions,
  ChatChoice,
  ChatRequest,
  ChatResult,
  ChatStreamPart,
  ChatStreamResult,
  LanguageModel,
  ToolCall,
} from '../../spec/chat.js';
import { ProviderAPIError } from '../../spec/errors.js';
import type { ImageFetchSettings } from '../../spec/provider.js';
import { convertOllamaUsage } from './convert-ollama-usage.js';
import { mapOllamaFinishReason } from './map-ollama-finish-reason.js';
import {
  generateAsChat,
  type OllamaChatResponse,
  type OllamaToolCall,
  ollamaChatResponseSchema,
  ollamaErrorSchema,
  parseOllamaTimestamp,
} from './ollama-api.js';
import { type OllamaEndpoint, planOllamaCall } from './ollama-call-plan.js';
import { describeOllamaError, refineOllamaError } from './ollama-error.js';

export interface OllamaChatConfig {
  provider: string;
  baseURL: string;
  headers: () => Record<string, string>;
  dispatcher?: Dispatcher;
  imageFetch?: ImageFetchSettings;
}

/** Ollama sends arguments as an object; the OpenAI shape wants the JSON text. */
function argumentsText(value: OllamaToolCall['function']['arguments']): string {
  if (value === null || value === undefined) return '{}';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Ollama tool calls carry no id (unless a newer server adds one): each gets a fresh `call_…` id, once. */
function toToolCall(call: OllamaToolCall): ToolCall {
  return {
    id: call.id ? call.id : generateToolCallId(),
    type: 'function',
    function: { name: call.function.name, arguments: argumentsText(call.function.arguments) },
  };
}

/** Ollama's per-token logprobs have OpenAI's `ChatCompletionTokenLogprob` shape; OpenAI wraps them. */
function convertLogprobs(logprobs: OllamaChatResponse['logprobs']): unknown {
  return logprobs === null || logprobs === undefined ? undefined : { content: logprobs };
}

export class OllamaChatModel implements LanguageModel {
  readonly provider: string;

  constructor(
    readonly modelId: string,
    private readonly config: OllamaChatConfig,
  ) {
    this.provider = config.provider;
  }

  private url(endpoint: OllamaEndpoint): string {
    return `${this.config.baseURL}/api/${endpoint}`;
  }

  async generate(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const plan = await planOllamaCall(request, this.modelId, options, false, this.config.imageFetch);
    const url = this.url(plan.endpoint);
    const response = await callJson({
      provider: this.provider,
      model: this.modelId,
      url,
      headers: merged(this.config.headers(), options.headers),
      body: plan.body,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      dispatcher: this.config.dispatcher,
      describeError: describeOllamaError,
    }).catch((error: unknown) => {
      throw refineOllamaError(error);
    });
    const parsed = ollamaChatResponseSchema.safeParse(
      plan.endpoint === 'generate' ? generateAsChat(response.value) : response.value,
    );
    const failure = hasErrorField(response.value) ? ollamaErrorSchema.safeParse(response.value) : undefined;
    if (failure?.success === true || !parsed.success) {
      throw new ProviderAPIError({
        message:
          failure?.success === true
            ? `${this.provider} error: ${failure.data.error}`
            : `${this.provider} returned an unexpected chat response: ${parsed.error?.issues[0]?.message ?? 'invalid shape'}`,
        provider: this.provider,
        model: this.modelId,
        upstream: { url, status: response.status, headers: response.headers, body: response.value },
      });
    }
    const value = parsed.data;
    const toolCalls = (value.message?.tool_calls ?? []).map(toToolCall);
    const content = value.message?.content ?? '';
    const choice: ChatChoice = {
      index: 0,
      message: { role: 'assistant', content: content === '' && toolCalls.length > 0 ? null : content },
      finishReason: mapOllamaFinishReason(value.done_reason, toolCalls.length > 0),
    };
    if (value.done_reason) choice.rawFinishReason = value.done_reason;
    if (value.message?.thinking) choice.message.reasoningContent = value.message.thinking;
    if (toolCalls.length > 0) choice.message.toolCalls = toolCalls;
    const logprobs = convertLogprobs(value.logprobs);
    if (logprobs !== undefined) choice.logprobs = logprobs;
    return {
      id: generateId('chatcmpl'),
      created: parseOllamaTimestamp(value.created_at) ?? unixSeconds(),
      model: value.model ?? this.modelId,
      provider: this.provider,
      choices: [choice],
      usage: convertOllamaUsage(value),
      warnings: plan.warnings,
      raw: response.value,
      response:
        plan.passthroughFormat === undefined
          ? { status: response.status, headers: response.headers }
          : {
              status: response.status,
              headers: response.headers,
              body: response.bytes,
              format: plan.passthroughFormat,
            },
    };
  }

  async stream(request: ChatRequest, options: CallOptions = {}): Promise<ChatStreamResult> {
    const plan = await planOllamaCall(request, this.modelId, options, true, this.config.imageFetch);
    const url = this.url(plan.endpoint);
    const upstream = await openUpstream({
      provider: this.provider,
      model: this.modelId,
      url,
      headers: { accept: 'application/x-ndjson', ...this.config.headers(), ...options.headers },
      body: plan.body,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      dispatcher: this.config.dispatcher,
      describeError: describeOllamaError,
    }).catch((error: unknown) => {
      throw refineOllamaError(error);
    });
    const reader = new OllamaStreamReader(this.provider, this.modelId, url, plan.endpoint);
    const format = plan.passthroughFormat;
    return {
      provider: this.provider,
      model: this.modelId,
      warnings: plan.warnings,
      response: { status: upstream.status, headers: upstream.headers },
      parts: guardStream(translateOllamaStream(upstream.body, reader, format, url), upstream, {
        provider: this.provider,
        model: this.modelId,
      }),
    };
  }
}

/**
 * The parts of one Ollama stream; with a passthrough `format`, each line's own bytes go first, for the client,
 * and the parts read from it follow, for usage, metrics and logs. Declared once, not per stream: a generator
 * function made per call gives each stream's generator a prototype and hidden class of its own (decision 0019).
 */
async function* translateOllamaStream(
  body: AsyncIterable<Uint8Array>,
  reader: OllamaStreamReader,
  format: string | undefined,
  url: string,
): AsyncGenerator<ChatStreamPart> {
  if (format === undefined) {
    const lines = new NdjsonLineSplitter(reader.provider);
    for await (const chunk of body) {
      for (const line of lines.push(chunk)) {
        for (const part of reader.read(line)) yield part;
        if (reader.ended) return;
      }
    }
    for (const line of lines.end()) {
      for (const part of reader.read(line)) yield part;
      if (reader.ended) return;
    }
  } else {
    for await (const frame of readNdjsonFrames(body, reader.provider)) {
      yield { type: 'upstream-frame', format, bytes: frame.bytes };
      if (frame.value === undefined) continue;
      for (const part of reader.read(frame.value)) yield part;
      if (reader.ended) return;
    }
  }
  throw new ProviderAPIError({
    message: `${reader.provider} ended the stream before its final message`,
    provider: reader.provider,
    model: reader.model,
    isRetryable: true,
    upstream: { url },
  });
}

/** Reads one Ollama stream's lines (`/api/chat`'s or `/api/generate`'s) into typed parts. */
class OllamaStreamReader {
  /** True after the final line or an error line: nothing after it is read. */
  ended = false;
  #sentMetadata = false;
  #toolCallCount = 0;

  constructor(
    readonly provider: string,
    readonly model: string,
    private readonly url: string,
    private readonly endpoint: OllamaEndpoint,
  ) {}

  /** The parts of one line (usually one; a list rather than a generator, which costs a few objects per line). */
  read(value: unknown): ChatStreamPart[] {
    const provider = this.provider;
    const model = this.model;
    const line = this.endpoint === 'generate' ? generateAsChat(value) : value;
    const streamError = hasErrorField(line) ? ollamaErrorSchema.safeParse(line) : undefined;
    if (streamError?.success === true) {
      this.ended = true;
      const error: ChatStreamPart = {
        type: 'error',
        error: errorFromUpstream({
          provider,
          model,
          url: this.url,
          status: 500,
          headers: {},
          body: value,
          message: streamError.data.error,
        }),
      };
      return [error];
    }
    const parsed = ollamaChatResponseSchema.safeParse(line);
    if (!parsed.success) {
      throw unexpectedStreamItem({ provider, model, url: this.url }, 'stream line', value);
    }
    const chunk = parsed.data;
    const parts: ChatStreamPart[] = [];
    if (!this.#sentMetadata) {
      this.#sentMetadata = true;
      parts.push({
        type: 'response-metadata',
        id: generateId('chatcmpl'),
        model: chunk.model ?? model,
        created: parseOllamaTimestamp(chunk.created_at) ?? unixSeconds(),
      });
    }
    const message = chunk.message;
    if (message?.thinking) parts.push({ type: 'reasoning-delta', choiceIndex: 0, delta: message.thinking });
    if (message?.content) parts.push({ type: 'text-delta', choiceIndex: 0, delta: message.content });
    // Each Ollama tool call arrives whole in one line: one delta carries id, name and all arguments.
    for (const call of message?.tool_calls ?? []) {
      const toolCall = toToolCall(call);
      parts.push({
        type: 'tool-call-delta',
        choiceIndex: 0,
        toolCallIndex: this.#toolCallCount++,
        id: toolCall.id,
        name: toolCall.function.name,
        argumentsDelta: toolCall.function.arguments,
      });
    }
    if (chunk.done === true) {
      this.ended = true;
      const finish: ChatStreamPart = {
        type: 'finish',
        choiceIndex: 0,
        finishReason: mapOllamaFinishReason(chunk.done_reason, this.#toolCallCount > 0),
      };
      if (chunk.done_reason) finish.rawFinishReason = chunk.done_reason;
      parts.push(finish, { type: 'usage', usage: convertOllamaUsage(chunk) });
    }
    return parts;
  }
}
