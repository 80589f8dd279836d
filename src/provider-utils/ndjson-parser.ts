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

/** Parses newline-delimited JSON (Ollama's stream format): one value per non-empty line. */
export async function* parseNdjson(
  body: AsyncIterable<Uint8Array | string>,
  provider: string,
  options: { maxLineLength?: number } = {},
): AsyncGenerator<unknown> {
  const limit = options.maxLineLength ?? maxStreamLineLength();
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline = buffer.indexOf('\n');
    while (newline !== -1) {
      if (newline > limit) throw lineTooLong(provider, limit);
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line.length > 0) yield parseLine(line, provider);
      newline = buffer.indexOf('\n');
    }
    if (buffer.length > limit) throw lineTooLong(provider, limit);
  }
  buffer = (buffer + decoder.decode()).trim();
  if (buffer.length > 0) yield parseLine(buffer, provider);
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
