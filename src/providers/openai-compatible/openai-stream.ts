/** Reading an OpenAI-style chat-completions event stream into the neutral stream parts. */
import type { UpstreamStream } from '../../provider-utils/http-client.js';
import { generateToolCallId } from '../../provider-utils/ids.js';
import { parseEventJson, type SseEvent, SseEventSplitter } from '../../provider-utils/sse-parser.js';
import type { SseRelay } from '../../provider-utils/sse-relay.js';
import { errorFromUpstream, hasErrorField, unexpectedStreamItem } from '../../provider-utils/upstream-error.js';
import type { ChatRequest, ChatStreamPart } from '../../spec/chat.js';
import { ProviderAPIError } from '../../spec/errors.js';
import { convertOpenAIUsage } from './convert-openai-usage.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';
import { type OpenAIChatChunk, openaiChatChunkSchema, openaiStreamErrorSchema } from './openai-api.js';

export interface OpenAIStreamContext {
  provider: string;
  model: string;
  url: string;
  request: ChatRequest;
  transformResponse: ((value: unknown, context: { request: ChatRequest; stream: boolean }) => unknown) | undefined;
  /**
   * Set when the upstream was sent the client's own OpenAI body unchanged: its stream is what the client asked
   * for, so its bytes go on as `upstream-frame` parts, each before the parts read from it (decision 0023).
   */
  relay?: SseRelay | undefined;
}

/** The wire format of relayed bytes: OpenAI's chat-completions stream. */
const RELAY_FORMAT = 'openai-chat';

/** Tool-call arguments as the JSON text OpenAI sends (some servers send an object). */
export function toolCallArguments(value: string | Record<string, unknown> | null | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The parts of one OpenAI-style event stream. Declared once, not per stream (decision 0019); it reads the body's
 * chunks itself, with a plain splitter and reader rather than nested generators (decision 0020).
 */
export async function* translateOpenAIStream(
  upstream: UpstreamStream,
  context: OpenAIStreamContext,
): AsyncGenerator<ChatStreamPart> {
  const events = new SseEventSplitter({ provider: context.provider });
  const reader = new OpenAIStreamReader(context);
  const relay = context.relay;
  for await (const chunk of relay === undefined ? upstream.body : relay.read(upstream.body)) {
    const bytes = relay?.take();
    if (bytes !== undefined) yield { type: 'upstream-frame', format: RELAY_FORMAT, bytes };
    for (const event of events.push(chunk)) {
      for (const part of reader.read(event)) yield part;
      if (reader.stopped) return;
    }
  }
  // The body ended: its last piece may be an event without its blank line, or half of one.
  const last: ChatStreamPart[] = [];
  for (const event of events.end()) {
    last.push(...reader.read(event));
    if (reader.stopped) break;
  }
  // The tail goes on only once the stream ended well or on an upstream error event, both read whole from it:
  // half an event would swallow the error event the client must get instead.
  const tail = reader.ended || reader.stopped ? relay?.takeTail() : undefined;
  if (tail !== undefined) yield { type: 'upstream-frame', format: RELAY_FORMAT, bytes: tail };
  for (const part of last) yield part;
  // A stream cut before any finish_reason or [DONE] is a failure, never a completion that "stopped".
  if (!reader.ended && !reader.stopped) throw unfinishedStream(context, upstream.headers, reader.events);
}

/** Reads one stream's events into parts, keeping what spans events (tool-call ids, whether it ended). */
class OpenAIStreamReader {
  /** A finish_reason or `[DONE]` was seen. */
  ended = false;
  /** `[DONE]` or an error event: nothing after it is read. */
  stopped = false;
  events = 0;
  readonly #context: OpenAIStreamContext;
  readonly #toolCallIds = new Map<string, string>();
  #sentMetadata = false;

  constructor(context: OpenAIStreamContext) {
    this.#context = context;
  }

  /** The parts of one event (a list rather than a generator, which costs a few objects per event). */
  read(event: SseEvent): ChatStreamPart[] {
    this.events++;
    if (event.data === '[DONE]') {
      this.ended = true;
      this.stopped = true;
      return [];
    }
    if (event.data.length === 0) return [];
    const { provider, model, url, request, transformResponse } = this.#context;
    const json = parseEventJson(event.data, { provider, model, url });
    const streamError = hasErrorField(json) ? openaiStreamErrorSchema.safeParse(json) : undefined;
    if (streamError?.success === true) {
      this.stopped = true;
      const code = streamError.data.error.code;
      const status = typeof code === 'number' && code >= 400 ? code : 500;
      const error = errorFromUpstream({ provider, model, url, status, headers: {}, body: json });
      // A relayed stream already carries the upstream's own error event.
      return [this.#context.relay === undefined ? { type: 'error', error } : { type: 'error', error, relayed: true }];
    }
    const parsed = openaiChatChunkSchema.safeParse(transformResponse?.(json, { request, stream: true }) ?? json);
    if (!parsed.success) {
      throw unexpectedStreamItem({ provider, model, url }, 'stream chunk', json);
    }
    const chunk: OpenAIChatChunk = parsed.data;
    const parts: ChatStreamPart[] = [];
    // Azure may open with a `prompt_filter_results` chunk (no choices, empty id/model): wait for a real one.
    if (!this.#sentMetadata && (chunk.id || chunk.model || chunk.created || chunk.choices.length > 0)) {
      this.#sentMetadata = true;
      const metadata: ChatStreamPart = { type: 'response-metadata' };
      if (chunk.id) metadata.id = chunk.id;
      if (chunk.model) metadata.model = chunk.model;
      if (chunk.created) metadata.created = chunk.created;
      if (chunk.system_fingerprint) metadata.systemFingerprint = chunk.system_fingerprint;
      parts.push(metadata);
    }
    for (const choice of chunk.choices) {
      const choiceIndex = choice.index ?? 0;
      const delta = choice.delta;
      if (delta) {
        const reasoning = delta.reasoning_content ?? delta.reasoning;
        if (reasoning) parts.push({ type: 'reasoning-delta', choiceIndex, delta: reasoning });
        if (delta.content) {
          const logprobs = choice.logprobs;
          parts.push(
            logprobs === undefined || logprobs === null
              ? { type: 'text-delta', choiceIndex, delta: delta.content }
              : { type: 'text-delta', choiceIndex, delta: delta.content, logprobs },
          );
        }
        if (delta.refusal) parts.push({ type: 'refusal-delta', choiceIndex, delta: delta.refusal });
        if (delta.tool_calls) {
          for (const [position, call] of delta.tool_calls.entries()) {
            const toolCallIndex = call.index ?? position;
            const key = `${choiceIndex}:${toolCallIndex}`;
            let id = call.id ?? undefined;
            if (!this.#toolCallIds.has(key)) {
              id ??= generateToolCallId();
              this.#toolCallIds.set(key, id);
            } else if (id === this.#toolCallIds.get(key)) {
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
            parts.push(part);
          }
        }
      }
      if (choice.finish_reason) {
        this.ended = true;
        const finish: ChatStreamPart = {
          type: 'finish',
          choiceIndex,
          finishReason: mapOpenAIFinishReason(choice.finish_reason),
          rawFinishReason: choice.finish_reason,
        };
        if (typeof choice.stop_reason === 'string') finish.stopSequence = choice.stop_reason;
        parts.push(finish);
      }
    }
    if (chunk.usage) parts.push({ type: 'usage', usage: convertOpenAIUsage(chunk.usage) });
    return parts;
  }
}

function unfinishedStream(
  { provider, model, url }: OpenAIStreamContext,
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
