/**
 * Typed stream parts → Anthropic's SSE grammar: `message_start`, a `ping`, then content blocks opened and
 * closed one at a time (`content_block_start` / `content_block_delta` / `content_block_stop`), `message_delta`
 * with the stop reason and usage, `message_stop`. A failure after the start becomes an `error` event, the last.
 * A stream whose first part is the upstream's own Messages API bytes (an Anthropic backend answering the
 * client's forwarded body) is relayed byte for byte instead; its typed parts then only feed usage and billing.
 */
import type { ChatStreamPart, Usage } from '../../../spec/chat.js';
import type { LlamaGateError } from '../../../spec/errors.js';
import { toolProgressWire } from '../tool-progress-wire.js';
import {
  anthropicErrorBody,
  anthropicId,
  encodeAnthropicUsage,
  stopFields,
  toolUseId,
} from './encode-anthropic-response.js';
import { type FinishFacts, tailLength } from './stop-sequence.js';

type OpenBlock = { kind: 'text' } | { kind: 'thinking'; signed: boolean } | { kind: 'tool'; toolCallIndex: number };

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

function errorEvent(error: LlamaGateError): string {
  return `event: error\ndata: ${JSON.stringify(anthropicErrorBody(error))}\n\n`;
}

export interface AnthropicStreamMeta {
  /** The message id to use when the upstream issued no `msg_` id. */
  id?: string;
  model: string;
  /** The request's stop sequences, to report the one the output ended on. */
  stop?: readonly string[] | undefined;
}

/** The format of the bytes this encoder relays. */
const MESSAGES_FORMAT = 'anthropic-messages';

/** Encodes one stream (choice 0; Anthropic has no choices). */
export async function* encodeAnthropicStream(
  parts: AsyncIterable<ChatStreamPart>,
  meta: AnthropicStreamMeta,
): AsyncGenerator<string | Uint8Array> {
  let relaying = false;
  let started = false;
  let open: OpenBlock | undefined;
  let index = -1;
  let finish: FinishFacts = { finishReason: 'stop' };
  // The end of the text, as long as the longest stop sequence, to find the one it ended on.
  const keep = tailLength(meta.stop);
  let textEnd = '';
  let usage: Usage = {};
  let upstreamId: string | undefined;
  let model = meta.model;

  const start = (): string => {
    started = true;
    const message = {
      id: anthropicId('msg', upstreamId ?? meta.id),
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...encodeAnthropicUsage(usage), output_tokens: usage.completionTokens ?? 0 },
    };
    return event('message_start', { message }) + event('ping', {});
  };
  const close = (): string => {
    if (open === undefined) return '';
    open = undefined;
    return event('content_block_stop', { index });
  };
  const openBlock = (block: OpenBlock, contentBlock: Record<string, unknown>): string => {
    const closing = close();
    open = block;
    index++;
    return closing + event('content_block_start', { index, content_block: contentBlock });
  };

  for await (const part of parts) {
    if (part.type === 'upstream-frame') {
      if (part.format !== MESSAGES_FORMAT || started) continue;
      relaying = true;
      yield part.bytes;
      continue;
    }
    if (relaying) {
      // The relayed bytes already say everything but a failure of the gateway's own (a cut, a timeout).
      if (part.type !== 'error') continue;
      if (part.relayed !== true) yield errorEvent(part.error);
      return;
    }
    if (part.type === 'response-metadata') {
      if (part.id !== undefined) upstreamId = part.id;
      if (part.model !== undefined) model = part.model;
      continue;
    }
    if (part.type === 'usage') {
      usage = { ...usage, ...part.usage };
      continue;
    }
    if ('choiceIndex' in part && part.choiceIndex !== 0) continue;
    let out = started ? '' : start();
    switch (part.type) {
      case 'text-delta':
      case 'refusal-delta':
        if (part.delta === '') break;
        if (open?.kind !== 'text') out += openBlock({ kind: 'text' }, { type: 'text', text: '' });
        if (keep > 0 && part.type === 'text-delta') textEnd = (textEnd + part.delta).slice(-keep);
        out += event('content_block_delta', { index, delta: { type: 'text_delta', text: part.delta } });
        break;
      case 'reasoning-delta':
        if (part.delta === '') break;
        if (open?.kind !== 'thinking' || open.signed) {
          out += openBlock({ kind: 'thinking', signed: false }, { type: 'thinking', thinking: '', signature: '' });
        }
        out += event('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: part.delta } });
        break;
      case 'reasoning-signature':
        if (open?.kind !== 'thinking' || open.signed) {
          out += openBlock({ kind: 'thinking', signed: false }, { type: 'thinking', thinking: '', signature: '' });
        }
        if (open?.kind === 'thinking') open.signed = true;
        out += event('content_block_delta', {
          index,
          delta: { type: 'signature_delta', signature: part.signature },
        });
        break;
      case 'redacted-reasoning':
        out += openBlock({ kind: 'text' }, { type: 'redacted_thinking', data: part.data });
        out += close();
        break;
      case 'tool-call-delta':
        if (open?.kind !== 'tool' || open.toolCallIndex !== part.toolCallIndex) {
          out += openBlock(
            { kind: 'tool', toolCallIndex: part.toolCallIndex },
            { type: 'tool_use', id: toolUseId(part.id), name: part.name ?? '', input: {} },
          );
        }
        if (part.argumentsDelta !== '') {
          out += event('content_block_delta', {
            index,
            delta: { type: 'input_json_delta', partial_json: part.argumentsDelta },
          });
        }
        break;
      case 'tool-progress':
        // Anthropic's SDKs skip event types they do not know (as its API docs ask of clients).
        out += event('llamagate_tool_progress', { tool_progress: toolProgressWire(part.progress) });
        break;
      case 'finish':
        finish = part;
        out += close();
        break;
      case 'error':
        yield out + errorEvent(part.error);
        return;
    }
    if (out !== '') yield out;
  }
  if (relaying) return;
  let tail = (started ? '' : start()) + close();
  tail += event('message_delta', {
    delta: stopFields(meta.stop, finish, textEnd),
    usage: encodeAnthropicUsage(usage),
  });
  tail += event('message_stop', {});
  yield tail;
}
