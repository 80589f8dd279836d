/**
 * Opt-in capture of request and response bodies for the request log (`LOG_BODIES=errors|all`): the bytes are
 * teed as they pass (no handler changes, nothing kept beyond the cap), then redacted and cut when the row is
 * written after the response. Redaction removes API keys, bearer tokens and secret-named JSON fields, plus
 * any configured pattern.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export type BodyCaptureMode = 'off' | 'errors' | 'all';

const REDACTED = '[REDACTED]';

/** Secrets that look the same in any format: provider and gateway keys, bearer tokens, AWS access keys. */
const BUILT_IN_PATTERNS = [
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{20,}/g,
];
/** JSON members whose value is a secret whatever it looks like. */
const SECRET_MEMBER =
  /("(?:api[_-]?key|x-api-key|authorization|password|secret|client_secret|access[_-]?token|refresh[_-]?token|token)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

export class BodyRedactor {
  readonly #patterns: RegExp[];
  readonly #maxBytes: number;

  constructor(options: { patterns?: readonly string[]; maxBytes: number }) {
    this.#patterns = [...BUILT_IN_PATTERNS, ...(options.patterns ?? []).map((pattern) => new RegExp(pattern, 'g'))];
    this.#maxBytes = options.maxBytes;
  }

  get maxBytes(): number {
    return this.#maxBytes;
  }

  /** Redacted text cut to the cap, noting how much was cut. */
  redact(bytes: Buffer, totalBytes: number): string {
    let text = this.redactText(bytes.subarray(0, this.#maxBytes).toString('utf8'));
    if (totalBytes > this.#maxBytes) text += `…[truncated ${totalBytes - this.#maxBytes} bytes]`;
    return text;
  }

  /** The same redaction, of text the caller already bounded (traced message content). */
  redactText(text: string): string {
    let redacted = text.replace(SECRET_MEMBER, `$1"${REDACTED}"`);
    for (const pattern of this.#patterns) redacted = redacted.replace(pattern, REDACTED);
    return redacted;
  }
}

/** Collects up to `maxBytes` of a stream of chunks, counting the rest. */
class CappedBytes {
  readonly #chunks: Buffer[] = [];
  #kept = 0;
  total = 0;

  constructor(readonly maxBytes: number) {}

  add(chunk: unknown, encoding?: BufferEncoding): void {
    const buffer =
      typeof chunk === 'string'
        ? Buffer.from(chunk, encoding)
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
          : undefined;
    if (buffer === undefined) return;
    this.total += buffer.length;
    if (this.#kept >= this.maxBytes) return;
    const part = buffer.subarray(0, this.maxBytes - this.#kept);
    // Copied: the caller may reuse its buffer after the write.
    this.#chunks.push(Buffer.from(part));
    this.#kept += part.length;
  }

  bytes(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}

export interface CapturedBodies {
  request(): { bytes: Buffer; total: number } | undefined;
  response(): { bytes: Buffer; total: number } | undefined;
}

/**
 * Starts teeing a request's and its response's bytes. With `errors`, the response is kept only once its
 * status is known to be ≥ 400 (the request body is held until then, within the cap).
 */
export function captureBodies(
  request: IncomingMessage,
  response: ServerResponse,
  mode: Exclude<BodyCaptureMode, 'off'>,
  maxBytes: number,
): CapturedBodies {
  const requestBytes = new CappedBytes(maxBytes);
  const responseBytes = new CappedBytes(maxBytes);
  // Teed at emit: a listener of our own would switch the stream to flowing before the handler reads it.
  const emit = request.emit;
  request.emit = function (this: IncomingMessage, event: string | symbol, ...args: unknown[]) {
    if (event === 'data') requestBytes.add(args[0]);
    return (emit as (event: string | symbol, ...args: unknown[]) => boolean).call(this, event, ...args);
  } as IncomingMessage['emit'];
  const wanted = () => mode === 'all' || response.statusCode >= 400;
  const write = response.write;
  const end = response.end;
  response.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    if (wanted()) responseBytes.add(chunk, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : undefined);
    return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  response.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (chunk !== undefined && typeof chunk !== 'function' && wanted()) {
      responseBytes.add(chunk, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : undefined);
    }
    return (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
  const result = (bytes: CappedBytes) => (bytes.total === 0 ? undefined : { bytes: bytes.bytes(), total: bytes.total });
  return {
    request: () => (wanted() ? result(requestBytes) : undefined),
    response: () => (wanted() ? result(responseBytes) : undefined),
  };
}
