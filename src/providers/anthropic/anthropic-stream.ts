import { unixSeconds } from '../../provider-utils/ids.js';
import { parseEventJson, type SseEvent } from '../../provider-utils/sse-parser.js';
import type { SseRelay } from '../../provider-utils/sse-relay.js';
import { errorFromUpstream, unexpectedStreamItem } from '../../provider-utils/upstream-error.js';
import type { ChatStreamPart } from '../../spec/chat.js';
import { ProviderAPIError } from '../../spec/errors.js';
import {
  type AnthropicStreamEvent,
  type AnthropicUsage,
  anthropicStreamEventSchema,
  describeAnthropicError,
  statusForAnthropicErrorType,
} from './anthropic-api.js';
import { convertAnthropicUsage, mergeAnthropicUsage } from './convert-anthropic-usage.js';
import { mapAnthropicFinishReason } from './map-anthropic-finish-reason.js';

export interface AnthropicStreamContext {
  provider: string;
  model: string;
  url: string;
  /** The forced tool whose input is the JSON answer (structured output), if any. */
  jsonToolName: string | undefined;
  /**
   * Set when the call forwarded the client's own Messages API body: the upstream's bytes are handed on as
   * `upstream-frame` parts, each before the parts its events produced.
   */
  relay?: SseRelay;
}

/** The wire format of the relayed bytes (the Messages API's own). */
const RELAY_FORMAT = 'anthropic-messages';

type OpenBlock =
  | { kind: 'text' | 'thinking' | 'other' }
  | { kind: 'tool'; toolCallIndex: number; argumentsSent: boolean; initialInput: string | undefined }
  | { kind: 'json'; argumentsSent: boolean; initialInput: string | undefined };

const KNOWN_EVENTS: ReadonlySet<string> = new Set([
  'message_start',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'message_delta',
  'message_stop',
  'ping',
  'error',
]);

/** A non-empty `input` on content_block_start (prefilled tool input) is the whole input when no deltas follow. */
function initialInputOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || Object.keys(input).length === 0) return undefined;
  return JSON.stringify(input);
}

/**
 * Translates Anthropic's SSE events into typed stream parts. Failures after the 200 (an `error` event) end
 * the stream with an `error` part; malformed or truncated streams throw, for the caller to report.
 */
export async function* translateAnthropicStream(
  events: AsyncIterable<SseEvent>,
  context: AnthropicStreamContext,
): AsyncGenerator<ChatStreamPart> {
  const { provider, model, url, jsonToolName, relay } = context;
  const blocks = new Map<number, OpenBlock>();
  let openMessageId: string | undefined;
  let messageOpen = false;
  let sentMetadata = false;
  let sawMessageStop = false;
  let usage: AnthropicUsage | undefined;
  let stopReason: string | undefined;
  let stopSequence: string | undefined;
  let toolCount = 0;
  let jsonAnswerStarted = false;
  // In JSON mode text may precede the JSON tool ("I'll call the tool…"); it is held back and only sent when
  // the model answered in plain text after all (e.g. thinking forced the tool choice to auto).
  let heldText = '';

  for await (const sse of events) {
    const bytes = relay?.take();
    if (bytes !== undefined) yield { type: 'upstream-frame', format: RELAY_FORMAT, bytes };
    if (sse.data.length === 0) continue;
    const json = parseEventJson(sse.data, { provider, model, url });
    const parsed = anthropicStreamEventSchema.safeParse(json);
    if (!parsed.success) {
      const type = (json as { type?: unknown } | null)?.type;
      // New event types are to be ignored, per Anthropic's versioning policy; known ones must parse.
      if (typeof type === 'string' && !KNOWN_EVENTS.has(type)) continue;
      throw unexpectedStreamItem({ provider, model, url }, 'stream event', json);
    }
    const event: AnthropicStreamEvent = parsed.data;
    switch (event.type) {
      case 'message_start': {
        const id = event.message.id ?? undefined;
        if (messageOpen) {
          // Some gateways repeat the frame; same id means nothing new.
          if (id === openMessageId) break;
          // A different message while one is open: an intermediary spliced a retried generation into this
          // response. Merging the two would corrupt the answer, so the stream fails instead.
          throw new ProviderAPIError({
            message: `${provider} stream contained a second message (${id ?? 'no id'}) while ${openMessageId ?? 'one'} was still open`,
            provider,
            model,
            upstream: { url },
          });
        }
        messageOpen = true;
        openMessageId = id;
        usage = mergeAnthropicUsage(usage, event.message.usage);
        if (!sentMetadata) {
          sentMetadata = true;
          const metadata: ChatStreamPart = { type: 'response-metadata', created: unixSeconds() };
          if (id !== undefined) metadata.id = id;
          metadata.model = event.message.model ?? model;
          yield metadata;
        }
        break;
      }
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'text') {
          blocks.set(event.index, { kind: 'text' });
          if (block.text) yield* emitText(block.text);
        } else if (block.type === 'thinking') {
          blocks.set(event.index, { kind: 'thinking' });
          if (block.thinking) yield { type: 'reasoning-delta', choiceIndex: 0, delta: block.thinking };
        } else if (block.type === 'tool_use' && jsonToolName !== undefined && block.name === jsonToolName) {
          jsonAnswerStarted = true;
          heldText = '';
          blocks.set(event.index, { kind: 'json', argumentsSent: false, initialInput: initialInputOf(block.input) });
        } else if (block.type === 'tool_use') {
          const toolCallIndex = toolCount++;
          blocks.set(event.index, {
            kind: 'tool',
            toolCallIndex,
            argumentsSent: false,
            initialInput: initialInputOf(block.input),
          });
          const part: ChatStreamPart = { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex, argumentsDelta: '' };
          if (block.id) part.id = block.id;
          if (block.name) part.name = block.name;
          yield part;
        } else if (block.type === 'redacted_thinking' && block.data) {
          blocks.set(event.index, { kind: 'other' });
          yield { type: 'redacted-reasoning', choiceIndex: 0, data: block.data };
        } else {
          // Server tool blocks and future types carry nothing a chat client can use.
          blocks.set(event.index, { kind: 'other' });
        }
        break;
      }
      case 'content_block_delta': {
        const block = blocks.get(event.index);
        const delta = event.delta;
        if (block === undefined) break;
        if (delta.type === 'text_delta' && block.kind === 'text' && delta.text) {
          yield* emitText(delta.text);
        } else if (delta.type === 'thinking_delta' && block.kind === 'thinking' && delta.thinking) {
          yield { type: 'reasoning-delta', choiceIndex: 0, delta: delta.thinking };
        } else if (delta.type === 'signature_delta' && block.kind === 'thinking' && delta.signature) {
          yield { type: 'reasoning-signature', choiceIndex: 0, signature: delta.signature };
        } else if (delta.type === 'input_json_delta' && delta.partial_json) {
          if (block.kind === 'tool') {
            block.argumentsSent = true;
            yield {
              type: 'tool-call-delta',
              choiceIndex: 0,
              toolCallIndex: block.toolCallIndex,
              argumentsDelta: delta.partial_json,
            };
          } else if (block.kind === 'json') {
            block.argumentsSent = true;
            yield { type: 'text-delta', choiceIndex: 0, delta: delta.partial_json };
          }
        }
        break;
      }
      case 'content_block_stop': {
        const block = blocks.get(event.index);
        blocks.delete(event.index);
        // A tool called without arguments streams no JSON at all; clients still need a parseable object.
        if (block?.kind === 'tool' && !block.argumentsSent) {
          yield {
            type: 'tool-call-delta',
            choiceIndex: 0,
            toolCallIndex: block.toolCallIndex,
            argumentsDelta: block.initialInput ?? '{}',
          };
        } else if (block?.kind === 'json' && !block.argumentsSent) {
          yield { type: 'text-delta', choiceIndex: 0, delta: block.initialInput ?? '{}' };
        }
        break;
      }
      case 'message_delta': {
        if (event.delta.stop_reason) stopReason = event.delta.stop_reason;
        if (event.delta.stop_sequence) stopSequence = event.delta.stop_sequence;
        usage = mergeAnthropicUsage(usage, event.usage);
        const explanation = event.delta.stop_details?.explanation;
        if (event.delta.stop_reason === 'refusal' && explanation) {
          yield { type: 'refusal-delta', choiceIndex: 0, delta: explanation };
        }
        break;
      }
      case 'message_stop':
        messageOpen = false;
        sawMessageStop = true;
        break;
      case 'ping':
        break;
      case 'error': {
        // An error event read from the body's tail was whole, so the tail goes on with it.
        const tail = relay?.takeTail();
        if (tail !== undefined) yield { type: 'upstream-frame', format: RELAY_FORMAT, bytes: tail };
        const body = { type: 'error', error: event.error };
        const described = describeAnthropicError(body);
        yield {
          type: 'error',
          ...(relay === undefined ? {} : { relayed: true }),
          error: errorFromUpstream({
            provider,
            model,
            url,
            status: statusForAnthropicErrorType(event.error.type),
            headers: {},
            body,
            message: described.message,
            providerCode: described.code,
          }),
        };
        return;
      }
    }
  }

  if (!sawMessageStop || messageOpen) {
    throw new ProviderAPIError({
      message: `${provider} stream ended before message_stop`,
      provider,
      model,
      isRetryable: true,
      upstream: { url },
    });
  }
  // The stream ended well: what is left to relay, its tail included, holds whole events.
  for (const bytes of [relay?.take(), relay?.takeTail()]) {
    if (bytes !== undefined) yield { type: 'upstream-frame', format: RELAY_FORMAT, bytes };
  }
  if (heldText.length > 0) yield { type: 'text-delta', choiceIndex: 0, delta: heldText };
  const finish: ChatStreamPart = {
    type: 'finish',
    choiceIndex: 0,
    finishReason: mapAnthropicFinishReason(stopReason, jsonAnswerStarted && toolCount === 0),
  };
  if (stopReason !== undefined) finish.rawFinishReason = stopReason;
  if (stopSequence !== undefined) finish.stopSequence = stopSequence;
  yield finish;
  yield { type: 'usage', usage: convertAnthropicUsage(usage) };

  function* emitText(text: string): Generator<ChatStreamPart> {
    if (jsonToolName === undefined) {
      yield { type: 'text-delta', choiceIndex: 0, delta: text };
    } else if (!jsonAnswerStarted) {
      heldText += text;
    }
  }
}
