import type { Dispatcher } from 'undici';
import { guardStream } from '../../provider-utils/guard-stream.js';
import { callJson, openUpstream } from '../../provider-utils/http-client.js';
import { generateId, generateToolCallId, unixSeconds } from '../../provider-utils/ids.js';
import { parseNdjson } from '../../provider-utils/ndjson-parser.js';
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
} from '../../spec/chat.js';
import { ProviderAPIError } from '../../spec/errors.js';
import type { ImageFetchSettings } from '../../spec/provider.js';
import { convertOllamaUsage } from './convert-ollama-usage.js';
import { convertToOllamaRequest } from './convert-to-ollama-request.js';
import { mapOllamaFinishReason } from './map-ollama-finish-reason.js';
import {
  type OllamaChatResponse,
  type OllamaToolCall,
  ollamaChatResponseSchema,
  ollamaErrorSchema,
  parseOllamaTimestamp,
} from './ollama-api.js';
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

  private get url(): string {
    return `${this.config.baseURL}/api/chat`;
  }

  async generate(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const { body, warnings } = await convertToOllamaRequest(request, this.modelId, {
      stream: false,
      imageFetch: this.config.imageFetch,
    });
    const response = await callJson({
      provider: this.provider,
      model: this.modelId,
      url: this.url,
      headers: { ...this.config.headers(), ...options.headers },
      body,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      dispatcher: this.config.dispatcher,
      describeError: describeOllamaError,
    }).catch((error: unknown) => {
      throw refineOllamaError(error);
    });
    const parsed = ollamaChatResponseSchema.safeParse(response.value);
    const failure = hasErrorField(response.value) ? ollamaErrorSchema.safeParse(response.value) : undefined;
    if (failure?.success === true || !parsed.success) {
      throw new ProviderAPIError({
        message:
          failure?.success === true
            ? `${this.provider} error: ${failure.data.error}`
            : `${this.provider} returned an unexpected chat response: ${parsed.error?.issues[0]?.message ?? 'invalid shape'}`,
        provider: this.provider,
        model: this.modelId,
        upstream: { url: this.url, status: response.status, headers: response.headers, body: response.value },
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
      warnings,
      raw: response.value,
      response: { status: response.status, headers: response.headers },
    };
  }

  async stream(request: ChatRequest, options: CallOptions = {}): Promise<ChatStreamResult> {
    const { body, warnings } = await convertToOllamaRequest(request, this.modelId, {
      stream: true,
      imageFetch: this.config.imageFetch,
    });
    const url = this.url;
    const upstream = await openUpstream({
      provider: this.provider,
      model: this.modelId,
      url,
      headers: { accept: 'application/x-ndjson', ...this.config.headers(), ...options.headers },
      body,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
      dispatcher: this.config.dispatcher,
      describeError: describeOllamaError,
    }).catch((error: unknown) => {
      throw refineOllamaError(error);
    });
    const provider = this.provider;
    const model = this.modelId;
    async function* translate(): AsyncGenerator<ChatStreamPart> {
      let sentMetadata = false;
      let toolCallCount = 0;
      let finished = false;
      for await (const line of parseNdjson(upstream.body, provider)) {
        const streamError = hasErrorField(line) ? ollamaErrorSchema.safeParse(line) : undefined;
        if (streamError?.success === true) {
          yield {
            type: 'error',
            error: errorFromUpstream({
              provider,
              model,
              url,
              status: 500,
              headers: {},
              body: line,
              message: streamError.data.error,
            }),
          };
          return;
        }
        const parsed = ollamaChatResponseSchema.safeParse(line);
        if (!parsed.success) {
          throw new ProviderAPIError({
            message: `${provider} sent an unexpected stream line`,
            provider,
            model,
            upstream: { url, body: line },
          });
        }
        const chunk = parsed.data;
        if (!sentMetadata) {
          sentMetadata = true;
          yield {
            type: 'response-metadata',
            id: generateId('chatcmpl'),
            model: chunk.model ?? model,
            created: parseOllamaTimestamp(chunk.created_at) ?? unixSeconds(),
          };
        }
        const message = chunk.message;
        if (message?.thinking) yield { type: 'reasoning-delta', choiceIndex: 0, delta: message.thinking };
        if (message?.content) yield { type: 'text-delta', choiceIndex: 0, delta: message.content };
        // Each Ollama tool call arrives whole in one line: one delta carries id, name and all arguments.
        for (const call of message?.tool_calls ?? []) {
          const toolCall = toToolCall(call);
          yield {
            type: 'tool-call-delta',
            choiceIndex: 0,
            toolCallIndex: toolCallCount++,
            id: toolCall.id,
            name: toolCall.function.name,
            argumentsDelta: toolCall.function.arguments,
          };
        }
        if (chunk.done === true) {
          finished = true;
          const finish: ChatStreamPart = {
            type: 'finish',
            choiceIndex: 0,
            finishReason: mapOllamaFinishReason(chunk.done_reason, toolCallCount > 0),
          };
          if (chunk.done_reason) finish.rawFinishReason = chunk.done_reason;
          yield finish;
          yield { type: 'usage', usage: convertOllamaUsage(chunk) };
          break;
        }
      }
      if (!finished) {
        throw new ProviderAPIError({
          message: `${provider} ended the stream before its final message`,
          provider,
          model,
          isRetryable: true,
          upstream: { url },
        });
      }
    }
    return {
      provider,
      model,
      warnings,
      response: { status: upstream.status, headers: upstream.headers },
      parts: guardStream(translate(), upstream, { provider, model }),
    };
  }
}
