import { generateToolCallId, unixSeconds } from '../../provider-utils/ids.js';
import type { SseEvent } from '../../provider-utils/sse-parser.js';
import type { ChatStreamPart } from '../../spec/chat.js';
import { ProviderAPIError } from '../../spec/errors.js';
import {
  cohereContentDeltaSchema,
  cohereMessageEndSchema,
  cohereStreamEventSchema,
  cohereToolCallDeltaSchema,
  cohereToolPlanDeltaSchema,
} from './cohere-api.js';
import { convertCohereUsage } from './convert-cohere-usage.js';
import { mapCohereFinishReason } from './map-cohere-finish-reason.js';

/**
 * Streamed tool arguments of one call. Cohere sends `""` or `"null"` for tools without parameters; text
 * that could still become `null` is held back so the assembled arguments are `{}` instead.
 */
class ToolArguments {
  private held = '';
  private flowing = false;

  push(delta: string): string {
    if (this.flowing) return delta;
    this.held += delta;
    if ('null'.startsWith(this.held.trim())) return '';
    this.flowing = true;
    const out = this.held;
    this.held = '';
    return out;
  }

  finish(): string {
    if (this.flowing) return '';
    const trimmed = this.held.trim();
    return trimmed === '' || trimmed === 'null' ? '{}' : this.held;
  }
}

export interface CohereStreamContext {
  provider: string;
  model: string;
  url: string;
}

function argumentsText(value: string | Record<string, unknown> | null | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Cohere v2 stream events → typed parts. The event name is read from the payload's `type` (it repeats
 * the SSE `event:` line). Tool plans are reported as reasoning. A stream that ends without `message-end`,
 * an `ERROR` finish, or an error payload ends with one `error` part.
 */
export async function* cohereStreamParts(
  events: AsyncIterable<SseEvent>,
  context: CohereStreamContext,
): AsyncGenerator<ChatStreamPart> {
  const { provider, model, url } = context;
  const failure = (message: string, body?: unknown): ChatStreamPart => ({
    type: 'error',
    error: new ProviderAPIError({ message, provider, model, upstream: { url, body } }),
  });
  const toolCalls = new Map<number, ToolArguments>();
  const closeToolCall = (index: number): ChatStreamPart | undefined => {
    const args = toolCalls.get(index);
    if (args === undefined) return undefined;
    toolCalls.delete(index);
    const rest = args.finish();
    return rest === ''
      ? undefined
      : { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: index, argumentsDelta: rest };
  };

  for await (const event of events) {
    if (event.data.length === 0 || event.data === '[DONE]') continue;
    let json: unknown;
    try {
      json = JSON.parse(event.data);
    } catch {
      yield failure(`${provider} sent a stream event that is not JSON`, event.data.slice(0, 500));
      return;
    }
    const parsed = cohereStreamEventSchema.safeParse(
      typeof json === 'object' && json !== null && !('type' in json) && event.event !== undefined
        ? { ...json, type: event.event }
        : json,
    );
    if (!parsed.success || parsed.data.type === 'error') {
      const message = (json as { message?: unknown } | null)?.message;
      yield failure(`${provider} stream error: ${typeof message === 'string' ? message : 'unexpected event'}`, json);
      return;
    }
    const chunk = parsed.data;
    const index = chunk.index ?? 0;
    const unexpected = () => failure(`${provider} sent an unexpected ${chunk.type} event`, json);
    switch (chunk.type) {
      case 'message-start': {
        const metadata: ChatStreamPart = { type: 'response-metadata', model, created: unixSeconds() };
        if (chunk.id) metadata.id = chunk.id;
        yield metadata;
        break;
      }
      case 'content-start':
      case 'content-delta': {
        const delta = cohereContentDeltaSchema.safeParse(chunk.delta);
        if (!delta.success) {
          yield unexpected();
          return;
        }
        const content = delta.data.message.content;
        if (content.thinking) yield { type: 'reasoning-delta', choiceIndex: 0, delta: content.thinking };
        if (content.text) yield { type: 'text-delta', choiceIndex: 0, delta: content.text };
        break;
      }
      case 'tool-plan-delta': {
        const plan = cohereToolPlanDeltaSchema.safeParse(chunk.delta).data?.message.tool_plan;
        if (plan) yield { type: 'reasoning-delta', choiceIndex: 0, delta: plan };
        break;
      }
      case 'tool-call-start':
      case 'tool-call-delta': {
        const delta = cohereToolCallDeltaSchema.safeParse(chunk.delta);
        if (!delta.success) {
          yield unexpected();
          return;
        }
        const call = delta.data.message.tool_calls;
        const text = argumentsText(call.function?.arguments);
        if (chunk.type === 'tool-call-delta') {
          const out = toolCalls.get(index)?.push(text) ?? text;
          if (out !== '') yield { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: index, argumentsDelta: out };
          break;
        }
        const args = new ToolArguments();
        toolCalls.set(index, args);
        const part: ChatStreamPart = {
          type: 'tool-call-delta',
          choiceIndex: 0,
          toolCallIndex: index,
          id: call.id ?? generateToolCallId(),
          argumentsDelta: args.push(text),
        };
        if (call.function?.name) part.name = call.function.name;
        yield part;
        break;
      }
      case 'tool-call-end': {
        const rest = closeToolCall(index);
        if (rest !== undefined) yield rest;
        break;
      }
      case 'message-end': {
        const end = cohereMessageEndSchema.safeParse(chunk.delta ?? {});
        if (!end.success) {
          yield unexpected();
          return;
        }
        for (const open of [...toolCalls.keys()]) {
          const rest = closeToolCall(open);
          if (rest !== undefined) yield rest;
        }
        const raw = end.data.finish_reason ?? undefined;
        const finishReason = mapCohereFinishReason(raw);
        const finish: ChatStreamPart = { type: 'finish', choiceIndex: 0, finishReason };
        if (raw !== undefined) finish.rawFinishReason = raw;
        yield finish;
        if (end.data.usage) yield { type: 'usage', usage: convertCohereUsage(end.data.usage) };
        const error = end.data.error;
        if (finishReason === 'error' || error) {
          yield failure(`${provider} stream error: ${error || `generation ended with ${raw ?? 'an error'}`}`, json);
        }
        return;
      }
      default:
        // citation-start/-end, content-end and future events carry nothing the parts express.
        break;
    }
  }
  yield failure(`${provider} stream ended before message-end (connection closed early)`);
}
