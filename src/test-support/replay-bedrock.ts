/**
 * Replays recorded Bedrock traffic the way Bedrock Runtime sends it: Converse answers as JSON, ConverseStream
 * answers as `application/vnd.amazon.eventstream` binary frames built (CRCs included) by the AWS codec.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { type MockHandler, sendJson } from './mock-upstream.js';

const codec = new EventStreamCodec(
  (bytes) => new TextDecoder().decode(bytes),
  (text) => new TextEncoder().encode(text),
);

const text = (value: string) => ({ type: 'string' as const, value });

/**
 * One recorded line (`{"contentBlockDelta":{…}}`, as the `.chunks.txt` files hold them) → one frame:
 * the key is the `:event-type` and the value the JSON payload. Keys ending in `Exception` become
 * exception frames (`:message-type` exception, `:exception-type`), as Bedrock sends them mid-stream.
 */
export function encodeBedrockEvent(line: string): Uint8Array {
  const parsed = JSON.parse(line) as Record<string, unknown>;
  const [eventType, payload] = Object.entries(parsed)[0] ?? ['', {}];
  const body = new TextEncoder().encode(JSON.stringify(payload));
  if (eventType.endsWith('Exception')) {
    return codec.encode({
      headers: {
        ':message-type': text('exception'),
        ':exception-type': text(eventType),
        ':content-type': text('application/json'),
      },
      body,
    });
  }
  return codec.encode({
    headers: {
      ':event-type': text(eventType),
      ':content-type': text('application/json'),
      ':message-type': text('event'),
    },
    body,
  });
}

export function encodeBedrockEventStream(lines: readonly string[]): Buffer {
  return Buffer.concat(lines.map((line) => encodeBedrockEvent(line)));
}

export interface EventStreamReplayOptions {
  /** Writes the bytes in chunks of this size (1 = one byte per write), cutting frames anywhere. */
  chunkSize?: number;
  /** Destroys the socket after this many bytes (a connection lost mid-frame). */
  cutAfterBytes?: number;
  headers?: Record<string, string>;
}

/** Sends binary event-stream bytes as a ConverseStream 200 response. */
export async function sendEventStream(
  res: ServerResponse,
  bytes: Uint8Array,
  options: EventStreamReplayOptions = {},
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'application/vnd.amazon.eventstream',
    'x-amzn-requestid': 'replay-request-id',
    ...options.headers,
  });
  res.flushHeaders();
  const limit = options.cutAfterBytes ?? bytes.byteLength;
  const size = Math.max(1, options.chunkSize ?? bytes.byteLength);
  for (let offset = 0; offset < limit; offset += size) {
    const chunk = bytes.subarray(offset, Math.min(offset + size, limit));
    await new Promise<void>((resolve, reject) => res.write(chunk, (error) => (error ? reject(error) : resolve())));
  }
  if (limit < bytes.byteLength) res.destroy();
  else res.end();
}

export function readBedrockChunks(fixtureDir: string, name: string): string[] {
  return readFileSync(join(fixtureDir, name), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0);
}

/**
 * A mock handler replaying `<baseName>.json` for Converse / InvokeModel and `<baseName>.chunks.txt` as
 * binary frames for ConverseStream (chosen by the request path, as Bedrock does).
 */
export function bedrockReplay(fixtureDir: string, baseName: string): MockHandler {
  return async (request, res) => {
    if (request.path.endsWith('/converse-stream')) {
      const lines = readBedrockChunks(fixtureDir, `${baseName}.chunks.txt`);
      await sendEventStream(res, encodeBedrockEventStream(lines));
      return;
    }
    const body = JSON.parse(readFileSync(join(fixtureDir, `${baseName}.json`), 'utf8')) as unknown;
    sendJson(res, 200, body, { 'x-amzn-requestid': 'replay-request-id' });
  };
}
