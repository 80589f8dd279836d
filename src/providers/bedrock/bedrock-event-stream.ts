import { EventStreamCodec } from '@smithy/eventstream-codec';
import { ProviderAPIError } from '../../spec/errors.js';

/** One decoded `application/vnd.amazon.eventstream` message. */
export interface EventStreamMessage {
  /** `event`, `exception` or `error`. */
  messageType: string;
  /** `:event-type` for events (`contentBlockDelta`…), `:exception-type` for exceptions, `:error-code` for errors. */
  type: string;
  /** `:error-message` of an `error` message. */
  errorMessage?: string;
  body: Uint8Array;
}

const utf8Decoder = new TextDecoder();
const utf8Encoder = new TextEncoder();

export function createEventStreamCodec(): EventStreamCodec {
  return new EventStreamCodec(
    (bytes) => utf8Decoder.decode(bytes),
    (text) => utf8Encoder.encode(text),
  );
}

const MIN_MESSAGE_BYTES = 16;
/** AWS caps a message at 16 MiB of payload; a larger length means a corrupt prelude, not a big event. */
const MAX_MESSAGE_BYTES = 24 * 1024 * 1024;

function headerString(headers: Record<string, { type: string; value: unknown }>, name: string): string | undefined {
  const value = headers[name]?.value;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Splits a byte stream into event-stream messages. Frames may arrive cut anywhere (even one byte per
 * chunk): bytes are kept until the length in the prelude is available, then the codec checks both CRCs.
 */
export async function* decodeEventStream(
  body: AsyncIterable<Uint8Array>,
  provider: string,
): AsyncGenerator<EventStreamMessage> {
  const codec = createEventStreamCodec();
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const corrupt = (reason: string, cause?: unknown) =>
    new ProviderAPIError({ message: `${provider} sent a malformed event stream: ${reason}`, provider, cause });
  const take = (count: number): Uint8Array => {
    const joined = pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending);
    const frame = joined.subarray(0, count);
    const rest = joined.subarray(count);
    pending = rest.byteLength > 0 ? [rest] : [];
    pendingBytes = rest.byteLength;
    return frame;
  };
  const frameLength = (): number | undefined => {
    if (pendingBytes < 4) return undefined;
    if ((pending[0] as Uint8Array).byteLength < 4) pending = [Buffer.concat(pending)];
    const first = pending[0] as Uint8Array;
    return new DataView(first.buffer, first.byteOffset, 4).getUint32(0, false);
  };
  for await (const chunk of body) {
    if (chunk.byteLength === 0) continue;
    pending.push(chunk);
    pendingBytes += chunk.byteLength;
    for (let length = frameLength(); length !== undefined && pendingBytes >= length; length = frameLength()) {
      if (length < MIN_MESSAGE_BYTES || length > MAX_MESSAGE_BYTES) throw corrupt(`frame length ${length}`);
      const frame = take(length);
      let decoded: ReturnType<EventStreamCodec['decode']>;
      try {
        decoded = codec.decode(frame);
      } catch (cause) {
        throw corrupt(cause instanceof Error ? cause.message : String(cause), cause);
      }
      const headers = decoded.headers as Record<string, { type: string; value: unknown }>;
      const messageType = headerString(headers, ':message-type') ?? 'event';
      const message: EventStreamMessage = {
        messageType,
        type:
          (messageType === 'exception'
            ? headerString(headers, ':exception-type')
            : messageType === 'error'
              ? headerString(headers, ':error-code')
              : headerString(headers, ':event-type')) ?? '',
        body: decoded.body,
      };
      const errorMessage = headerString(headers, ':error-message');
      if (errorMessage !== undefined) message.errorMessage = errorMessage;
      yield message;
    }
  }
  if (pendingBytes > 0) {
    throw corrupt(`the stream ended inside a frame (${pendingBytes} bytes left over)`);
  }
}

export function decodeEventBody(message: EventStreamMessage): unknown {
  const text = utf8Decoder.decode(message.body);
  if (text.length === 0) return {};
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
