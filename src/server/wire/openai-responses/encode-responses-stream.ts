/**
 * Typed stream parts → the Responses API's event grammar: `response.created`, `response.in_progress`, then per
 * output item `output_item.added` → its part/delta events → `output_item.done`, and finally
 * `response.completed` / `response.incomplete`, or `error` + `response.failed` when the upstream failed
 * mid-stream. Every event carries a `sequence_number`.
 */
import type { ChatStreamPart, FinishReason, Usage } from '../../../spec/chat.js';
import type { LlamaGateError } from '../../../spec/errors.js';
import type { ResponseMeta } from '../chat-codec.js';
import { toolProgressWire } from '../tool-progress-wire.js';
import { encodeResponsesUsage, itemId, responseObject, statusOf } from './encode-responses-result.js';
import type {
  FunctionCallItem,
  MessageItem,
  OutputItem,
  ReasoningItem,
  ResponseObject,
  ResponsesCall,
} from './responses-types.js';

type OpenItem =
  | { kind: 'reasoning'; index: number; item: ReasoningItem; text: string }
  | { kind: 'message'; index: number; item: MessageItem; text: string; refusal: boolean }
  | { kind: 'function'; index: number; item: FunctionCallItem };

export class ResponsesStreamEncoder {
  #sequence = 0;
  readonly #output: OutputItem[] = [];
  /** The open reasoning or message item (at most one; a new item type closes it). */
  #current: OpenItem | undefined;
  /** Function calls by the upstream's tool-call index, closed at the end. */
  readonly #calls = new Map<number, Extract<OpenItem, { kind: 'function' }>>();
  #finishReason: FinishReason | undefined;
  #usage: Usage = {};
  #model: string;
  /** The last response object sent (`response.completed`/`incomplete`/`failed`). */
  final: ResponseObject | undefined;

  constructor(
    private readonly call: ResponsesCall,
    private readonly meta: ResponseMeta,
  ) {
    this.#model = meta.model;
  }

  #event(type: string, fields: Record<string, unknown>): string {
    const data = { type, ...fields, sequence_number: this.#sequence++ };
    return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  }

  #snapshot(parts: Partial<Parameters<typeof responseObject>[2]>): ResponseObject {
    return responseObject(
      this.call,
      { ...this.meta, model: this.#model },
      {
        output: [],
        status: 'in_progress',
        incomplete: null,
        usage: null,
        error: null,
        completedAt: null,
        ...parts,
      },
    );
  }

  start(): string[] {
    const response = this.#snapshot({});
    return [this.#event('response.created', { response }), this.#event('response.in_progress', { response })];
  }

  #closeCurrent(out: string[]): void {
    const open = this.#current;
    if (open === undefined) return;
    this.#current = undefined;
    const itemIdValue = open.item.id;
    if (open.kind === 'reasoning') {
      const part = { type: 'summary_text', text: open.text };
      open.item.summary = [{ type: 'summary_text', text: open.text }];
      out.push(
        this.#event('response.reasoning_summary_text.done', {
          item_id: itemIdValue,
          output_index: open.index,
          summary_index: 0,
          text: open.text,
        }),
        this.#event('response.reasoning_summary_part.done', {
          item_id: itemIdValue,
          output_index: open.index,
          summary_index: 0,
          part,
        }),
      );
    } else if (open.kind === 'message') {
      const base = { item_id: itemIdValue, output_index: open.index, content_index: 0 };
      const part = open.refusal
        ? { type: 'refusal' as const, refusal: open.text }
        : { type: 'output_text' as const, annotations: [], logprobs: [], text: open.text };
      if (open.refusal) out.push(this.#event('response.refusal.done', { ...base, refusal: open.text }));
      else out.push(this.#event('response.output_text.done', { ...base, text: open.text, logprobs: [] }));
      out.push(this.#event('response.content_part.done', { ...base, part }));
      open.item.content = [part];
      open.item.status = this.#finishReason === 'length' ? 'incomplete' : 'completed';
    }
    out.push(this.#event('response.output_item.done', { output_index: open.index, item: open.item }));
  }

  #closeCall(open: Extract<OpenItem, { kind: 'function' }>, out: string[]): void {
    open.item.status = 'completed';
    out.push(
      this.#event('response.function_call_arguments.done', {
        item_id: open.item.id,
        output_index: open.index,
        name: open.item.name,
        arguments: open.item.arguments,
      }),
      this.#event('response.output_item.done', { output_index: open.index, item: open.item }),
    );
  }

  #openReasoning(out: string[]): Extract<OpenItem, { kind: 'reasoning' }> {
    if (this.#current?.kind === 'reasoning') return this.#current;
    this.#closeCurrent(out);
    const index = this.#output.length;
    const item: ReasoningItem = { id: itemId(this.call.responseId, 'rs', index), type: 'reasoning', summary: [] };
    this.#output.push(item);
    const open = { kind: 'reasoning' as const, index, item, text: '' };
    this.#current = open;
    out.push(
      this.#event('response.output_item.added', { output_index: index, item: { ...item, summary: [] } }),
      this.#event('response.reasoning_summary_part.added', {
        item_id: item.id,
        output_index: index,
        summary_index: 0,
        part: { type: 'summary_text', text: '' },
      }),
    );
    return open;
  }

  #openMessage(out: string[], refusal: boolean): Extract<OpenItem, { kind: 'message' }> {
    if (this.#current?.kind === 'message' && this.#current.refusal === refusal) return this.#current;
    this.#closeCurrent(out);
    const index = this.#output.length;
    const item: MessageItem = {
      id: itemId(this.call.responseId, 'msg', index),
      type: 'message',
      status: 'in_progress',
      content: [],
      role: 'assistant',
    };
    this.#output.push(item);
    const open = { kind: 'message' as const, index, item, text: '', refusal };
    this.#current = open;
    out.push(
      this.#event('response.output_item.added', { output_index: index, item: { ...item, content: [] } }),
      this.#event('response.content_part.added', {
        item_id: item.id,
        output_index: index,
        content_index: 0,
        part: refusal
          ? { type: 'refusal', refusal: '' }
          : { type: 'output_text', annotations: [], logprobs: [], text: '' },
      }),
    );
    return open;
  }

  encode(part: ChatStreamPart): string[] {
    const out: string[] = [];
    switch (part.type) {
      case 'response-metadata':
        if (part.model !== undefined) this.#model = part.model;
        break;
      case 'reasoning-delta': {
        if (part.choiceIndex !== 0 || part.delta === '') break;
        const open = this.#openReasoning(out);
        open.text += part.delta;
        out.push(
          this.#event('response.reasoning_summary_text.delta', {
            item_id: open.item.id,
            output_index: open.index,
            summary_index: 0,
            delta: part.delta,
          }),
        );
        break;
      }
      case 'text-delta':
      case 'refusal-delta': {
        if (part.choiceIndex !== 0 || part.delta === '') break;
        const refusal = part.type === 'refusal-delta';
        const open = this.#openMessage(out, refusal);
        open.text += part.delta;
        const base = { item_id: open.item.id, output_index: open.index, content_index: 0, delta: part.delta };
        out.push(
          refusal
            ? this.#event('response.refusal.delta', base)
            : this.#event('response.output_text.delta', { ...base, logprobs: [] }),
        );
        break;
      }
      case 'tool-call-delta': {
        if (part.choiceIndex !== 0) break;
        let open = this.#calls.get(part.toolCallIndex);
        if (open === undefined) {
          this.#closeCurrent(out);
          const index = this.#output.length;
          const item: FunctionCallItem = {
            id: itemId(this.call.responseId, 'fc', index),
            type: 'function_call',
            status: 'in_progress',
            arguments: '',
            call_id: part.id ?? itemId(this.call.responseId, 'fc', index).replace(/^fc_/, 'call_'),
            name: part.name ?? '',
          };
          this.#output.push(item);
          open = { kind: 'function', index, item };
          this.#calls.set(part.toolCallIndex, open);
          out.push(this.#event('response.output_item.added', { output_index: index, item: { ...item } }));
        }
        if (part.argumentsDelta !== '') {
          open.item.arguments += part.argumentsDelta;
          out.push(
            this.#event('response.function_call_arguments.delta', {
              item_id: open.item.id,
              output_index: open.index,
              delta: part.argumentsDelta,
            }),
          );
        }
        break;
      }
      case 'finish':
        if (part.choiceIndex === 0) this.#finishReason = part.finishReason;
        break;
      case 'usage':
        this.#usage = part.usage;
        break;
      case 'tool-progress':
        out.push(this.#event('llamagate.tool_progress', { tool_progress: toolProgressWire(part.progress) }));
        break;
      case 'error':
        return this.fail(part.error);
    }
    return out;
  }

  #closeAll(out: string[]): void {
    this.#closeCurrent(out);
    for (const open of this.#calls.values()) this.#closeCall(open, out);
    this.#calls.clear();
  }

  /** The closing events: every open item done, then `response.completed` (or `.incomplete`). */
  finish(): string[] {
    const out: string[] = [];
    this.#closeAll(out);
    const { status, incomplete } = statusOf(this.#finishReason);
    this.final = this.#snapshot({
      output: this.#output,
      status,
      incomplete,
      usage: encodeResponsesUsage(this.#usage),
      completedAt: Math.floor(Date.now() / 1000),
    });
    out.push(
      this.#event(status === 'completed' ? 'response.completed' : 'response.incomplete', { response: this.final }),
    );
    return out;
  }

  /** A failure after the stream started: `error`, then `response.failed` with what was produced so far. */
  fail(error: LlamaGateError): string[] {
    const out: string[] = [];
    this.#closeAll(out);
    out.push(this.#event('error', { code: error.code, message: error.message, param: error.param }));
    this.final = this.#snapshot({
      output: this.#output,
      status: 'failed',
      error: { code: error.code, message: error.message },
      usage: encodeResponsesUsage(this.#usage),
    });
    out.push(this.#event('response.failed', { response: this.final }));
    return out;
  }
}

/** The whole event stream for a call; `call.onResponse` receives the final response object. */
export async function* encodeResponsesStream(
  parts: AsyncIterable<ChatStreamPart>,
  call: ResponsesCall,
  meta: ResponseMeta,
): AsyncIterable<string> {
  const encoder = new ResponsesStreamEncoder(call, meta);
  yield encoder.start().join('');
  let failed = false;
  for await (const part of parts) {
    const frames = encoder.encode(part);
    if (frames.length > 0) yield frames.join('');
    if (part.type === 'error') {
      failed = true;
      break;
    }
  }
  if (!failed) yield encoder.finish().join('');
  if (encoder.final !== undefined && !failed) call.onResponse?.(encoder.final);
}
