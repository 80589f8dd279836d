import { ProviderAPIError } from '../spec/errors.js';
import { lineTooLong, maxStreamLineLength } from './stream-limits.js';

/** One server-sent event: the `event` name (if any) and its `data` lines joined with "\n". */
export interface SseEvent {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

/**
 * Parses a byte stream as server-sent events (WHATWG rules: LF, CRLF or CR line ends, multi-line data,
 * comments, events dispatched on a blank line). Chunks may split lines and UTF-8 sequences anywhere.
 */
export async function* parseSse(
  body: AsyncIterable<Uint8Array | string>,
  options: { provider?: string; maxLineLength?: number } = {},
): AsyncGenerator<SseEvent> {
  const limit = options.maxLineLength ?? maxStreamLineLength();
  const decoder = new TextDecoder();
  let dataLength = 0;
  let buffer = '';
  let data: string[] = [];
  let event: string | undefined;
  let id: string | undefined;
  let skipLeadingLf = false;

  const takeLine = (line: string): SseEvent | undefined => {
    if (line === '') {
      if (data.length === 0) {
        event = undefined;
        return undefined;
      }
      const dispatched: SseEvent = { event, data: data.join('\n'), id };
      data = [];
      dataLength = 0;
      event = undefined;
      return dispatched;
    }
    if (line.charCodeAt(0) === 58 /* : */) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') {
      dataLength += value.length + 1;
      // One event's data lines together are held in memory like one line, so they share the cap.
      if (dataLength > limit) throw lineTooLong(options.provider, limit);
      data.push(value);
    } else if (field === 'event') event = value;
    else if (field === 'id') id = value;
    return undefined;
  };

  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let i = 0; i < buffer.length; i++) {
      const code = buffer.charCodeAt(i);
      if (code === 10 && skipLeadingLf && i === start) {
        start = i + 1;
        skipLeadingLf = false;
        continue;
      }
      skipLeadingLf = false;
      if (code !== 10 && code !== 13) continue;
      const dispatched = takeLine(buffer.slice(start, i));
      if (code === 13) {
        if (i + 1 < buffer.length) {
          if (buffer.charCodeAt(i + 1) === 10) i++;
        } else {
          skipLeadingLf = true;
        }
      }
      start = i + 1;
      if (dispatched !== undefined) yield dispatched;
    }
    buffer = buffer.slice(start);
    if (buffer.length > limit) throw lineTooLong(options.provider, limit);
  }
  buffer += decoder.decode();
  if (buffer.length > 0) takeLine(buffer);
  // A stream that ends without a trailing blank line still delivers its last event.
  if (data.length > 0) yield { event, data: data.join('\n'), id };
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
