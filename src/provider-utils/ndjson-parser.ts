import { StringDecoder } from 'node:string_decoder';
import { ProviderAPIError } from '../spec/errors.js';
import { lineTooLong, maxStreamLineLength } from './stream-limits.js';

function parseLine(line: string, provider: string): unknown {
  try {
    return JSON.parse(line);
  } catch (cause) {
    throw new ProviderAPIError({
      message: `${provider} sent a stream line that is not JSON: ${line.slice(0, 200)}`,
      provider,
      cause,
      isRetryable: false,
    });
  }
}

/**
 * Splits newline-delimited JSON (Ollama's stream format) into values, one per non-empty line, as chunks arrive:
 * a plain class a stream translator calls per chunk, so no generator sits between the body and the translator.
 */
export class NdjsonLineSplitter {
  readonly #provider: string;
  readonly #limit: number;
  /**
   * Keeps a UTF-8 sequence split between chunks; decodes in one step, where a streaming `TextDecoder` goes
   * through ICU and UTF-16 (decision 0029).
   */
  readonly #decoder = new StringDecoder('utf8');
  #buffer = '';
  /** A line that failed after good lines of the same chunk: thrown once those have been handed out. */
  #failure: unknown;

  constructor(provider: string, options: { maxLineLength?: number } = {}) {
    this.#provider = provider;
    this.#limit = options.maxLineLength ?? maxStreamLineLength();
  }

  /** The values of the lines `chunk` completed. */
  push(chunk: Uint8Array | string): unknown[] {
    this.#throwPending();
    const values: unknown[] = [];
    const limit = this.#limit;
    let buffer = this.#buffer + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk));
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      if (newline > limit) throw lineTooLong(this.#provider, limit);
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line.length > 0) {
        try {
          values.push(parseLine(line, this.#provider));
        } catch (error) {
          if (values.length === 0) throw error;
          this.#failure = error;
          return values;
        }
      }
      newline = buffer.indexOf('\n');
    }
    if (buffer.length > limit) throw lineTooLong(this.#provider, limit);
    this.#buffer = buffer;
    return values;
  }

  /** The value of a last line without a newline, if any. */
  end(): unknown[] {
    this.#throwPending();
    const last = (this.#buffer + this.#decoder.end()).trim();
    this.#buffer = '';
    return last.length > 0 ? [parseLine(last, this.#provider)] : [];
  }

  #throwPending(): void {
    if (this.#failure === undefined) return;
    const failure = this.#failure;
    this.#failure = undefined;
    throw failure;
  }
}

/** Parses newline-delimited JSON (Ollama's stream format): one value per non-empty line. */
export async function* parseNdjson(
  body: AsyncIterable<Uint8Array | string>,
  provider: string,
  options: { maxLineLength?: number } = {},
): AsyncGenerator<unknown> {
  const lines = new NdjsonLineSplitter(provider, options);
  for await (const chunk of body) yield* lines.push(chunk);
  yield* lines.end();
}

/** One NDJSON line as received: its exact bytes (newline included) and its value (undefined for a blank line). */
export interface NdjsonFrame {
  bytes: Uint8Array;
  value: unknown;
}

const NEWLINE = 0x0a;

function concatBytes(head: Uint8Array, tail: Uint8Array): Uint8Array {
  const joined = new Uint8Array(head.length + tail.length);
  joined.set(head);
  joined.set(tail, head.length);
  return joined;
}

/**
 * Newline-delimited JSON with each line's own bytes, for a passthrough that must send the upstream's stream on
 * unchanged while reading it: the frames' bytes joined are the body read so far, byte for byte.
 */
export async function* readNdjsonFrames(
  body: AsyncIterable<Uint8Array | string>,
  provider: string,
  options: { maxLineLength?: number } = {},
): AsyncGenerator<NdjsonFrame> {
  const limit = options.maxLineLength ?? maxStreamLineLength();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const frame = (bytes: Uint8Array): NdjsonFrame => {
    const text = decoder.decode(bytes).trim();
    return { bytes, value: text === '' ? undefined : parseLine(text, provider) };
  };
  let pending: Uint8Array = new Uint8Array(0);
  for await (const chunk of body) {
    const data = typeof chunk === 'string' ? encoder.encode(chunk) : chunk;
    const buffer = pending.length === 0 ? data : concatBytes(pending, data);
    let start = 0;
    let newline = buffer.indexOf(NEWLINE);
    while (newline !== -1) {
      if (newline - start > limit) throw lineTooLong(provider, limit);
      yield frame(buffer.subarray(start, newline + 1));
      start = newline + 1;
      newline = buffer.indexOf(NEWLINE, start);
    }
    pending = buffer.subarray(start);
    if (pending.length > limit) throw lineTooLong(provider, limit);
  }
  if (pending.length > 0) yield frame(pending);
}
