import { StringDecoder } from 'node:string_decoder';
import { ProviderAPIError } from '../spec/errors.js';
import { lineTooLong, maxStreamLineLength } from './stream-limits.js';

/** One server-sent event: the `event` name (if any) and its `data` lines joined with "\n". */
export interface SseEvent {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

/**
 * Splits a byte stream into server-sent events (WHATWG rules: LF, CRLF or CR line ends, multi-line data,
 * comments, events dispatched on a blank line) as chunks arrive. Chunks may split lines and UTF-8 sequences
 * anywhere. A plain class a stream translator calls per chunk, so no generator sits between the body and the
 * translator (decision 0020).
 */
export class SseEventSplitter {
  readonly #provider: string | undefined;
  readonly #limit: number;
  /**
   * Keeps a UTF-8 sequence split between chunks; decodes in one step, where a streaming `TextDecoder` goes
   * through ICU and UTF-16 (decision 0029).
   */
  readonly #decoder = new StringDecoder('utf8');
  #buffer = '';
  #data: string[] = [];
  #dataLength = 0;
  #event: string | undefined;
  #id: string | undefined;
  #skipLeadingLf = false;
  /** A failure after complete events of the same chunk: thrown once those have been handed out. */
  #failure: unknown;

  constructor(options: { provider?: string; maxLineLength?: number } = {}) {
    this.#provider = options.provider;
    this.#limit = options.maxLineLength ?? maxStreamLineLength();
  }

  /** The events `chunk` completed. */
  push(chunk: Uint8Array | string): SseEvent[] {
    this.#throwPending();
    const events: SseEvent[] = [];
    const buffer = this.#buffer + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk));
    let start = 0;
    try {
      for (let i = 0; i < buffer.length; i++) {
        const code = buffer.charCodeAt(i);
        if (code === 10 && this.#skipLeadingLf && i === start) {
          start = i + 1;
          this.#skipLeadingLf = false;
          continue;
        }
        this.#skipLeadingLf = false;
        if (code !== 10 && code !== 13) continue;
        const dispatched = this.#takeLine(buffer.slice(start, i));
        if (code === 13) {
          if (i + 1 < buffer.length) {
            if (buffer.charCodeAt(i + 1) === 10) i++;
          } else {
            this.#skipLeadingLf = true;
          }
        }
        start = i + 1;
        if (dispatched !== undefined) events.push(dispatched);
      }
      this.#buffer = buffer.slice(start);
      if (this.#buffer.length > this.#limit) throw lineTooLong(this.#provider, this.#limit);
    } catch (error) {
      if (events.length === 0) throw error;
      this.#failure = error;
    }
    return events;
  }

  /** The last event of a stream that ends without a trailing blank line, if any. */
  end(): SseEvent[] {
    this.#throwPending();
    const rest = this.#buffer + this.#decoder.end();
    this.#buffer = '';
    if (rest.length > 0) this.#takeLine(rest);
    return this.#data.length > 0 ? [{ event: this.#event, data: this.#data.join('\n'), id: this.#id }] : [];
  }

  #takeLine(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.#data.length === 0) {
        this.#event = undefined;
        return undefined;
      }
      const dispatched: SseEvent = { event: this.#event, data: this.#data.join('\n'), id: this.#id };
      this.#data = [];
      this.#dataLength = 0;
      this.#event = undefined;
      return dispatched;
    }
    if (line.charCodeAt(0) === 58 /* : */) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') {
      this.#dataLength += value.length + 1;
      // One event's data lines together are held in memory like one line, so they share the cap.
      if (this.#dataLength > this.#limit) throw lineTooLong(this.#provider, this.#limit);
      this.#data.push(value);
    } else if (field === 'event') this.#event = value;
    else if (field === 'id') this.#id = value;
    return undefined;
  }

  #throwPending(): void {
    if (this.#failure === undefined) return;
    const failure = this.#failure;
    this.#failure = undefined;
    throw failure;
  }
}

/** Parses a byte stream as server-sent events (see SseEventSplitter). */
export async function* parseSse(
  body: AsyncIterable<Uint8Array | string>,
  options: { provider?: string; maxLineLength?: number } = {},
): AsyncGenerator<SseEvent> {
  const events = new SseEventSplitter(options);
  for await (const chunk of body) yield* events.push(chunk);
  yield* events.end();
}

/**
 * The JSON payload of one stream event. A payload that is not JSON is a provider fault: it throws a typed
 * upstream error (carrying the first 500 characters), which the stream guard turns into the final error part.
 */
export function parseEventJson(data: string, context: { provider: string; model: string; url: string }): unknown {
  try {
    return JSON.parse(data);
  } catch {
    throw new ProviderAPIError({
      message: `${context.provider} sent a stream event that is not JSON`,
      provider: context.provider,
      model: context.model,
      upstream: { url: context.url, body: data.slice(0, 500) },
    });
  }
}
