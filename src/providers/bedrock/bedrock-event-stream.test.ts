import { describe, expect, it } from 'vitest';
import { encodeBedrockEvent, encodeBedrockEventStream } from '../../test-support/replay-bedrock.js';
import { createEventStreamCodec, decodeEventBody, decodeEventStream } from './bedrock-event-stream.js';

async function* chunks(bytes: Uint8Array, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let offset = 0;
  let turn = 0;
  while (offset < bytes.byteLength) {
    const size = sizes[turn++ % sizes.length] ?? 1;
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

async function decodeAll(source: AsyncIterable<Uint8Array>) {
  const messages = [];
  for await (const message of decodeEventStream(source, 'bedrock')) messages.push(message);
  return messages;
}

const lines = [
  '{"messageStart":{"role":"assistant"}}',
  '{"contentBlockDelta":{"contentBlockIndex":0,"delta":{"text":"Grüße ✓"}}}',
  '{"messageStop":{"stopReason":"end_turn"}}',
];

describe('decodeEventStream', () => {
  it('decodes frames however the bytes are cut (1 byte, odd sizes, all at once)', async () => {
    const bytes = encodeBedrockEventStream(lines);
    for (const sizes of [[1], [3, 17, 2], [bytes.byteLength]]) {
      const messages = await decodeAll(chunks(bytes, sizes));
      expect(messages.map((message) => [message.messageType, message.type, decodeEventBody(message)])).toEqual([
        ['event', 'messageStart', { role: 'assistant' }],
        ['event', 'contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Grüße ✓' } }],
        ['event', 'messageStop', { stopReason: 'end_turn' }],
      ]);
    }
  });

  it('reads exception frames and error frames with their type and message', async () => {
    const codec = createEventStreamCodec();
    const errorFrame = codec.encode({
      headers: {
        ':message-type': { type: 'string', value: 'error' },
        ':error-code': { type: 'string', value: 'InternalFailure' },
        ':error-message': { type: 'string', value: 'boom' },
      },
      body: new Uint8Array(0),
    });
    const bytes = Buffer.concat([
      encodeBedrockEvent('{"internalServerException":{"message":"oops"}}'),
      Buffer.from(errorFrame),
    ]);
    const messages = await decodeAll(chunks(bytes, [5]));
    expect(messages[0]).toMatchObject({ messageType: 'exception', type: 'internalServerException' });
    expect(decodeEventBody(messages[0] as never)).toEqual({ message: 'oops' });
    expect(messages[1]).toMatchObject({ messageType: 'error', type: 'InternalFailure', errorMessage: 'boom' });
  });

  it('fails on a corrupted frame and on a stream that stops inside a frame', async () => {
    const bytes = encodeBedrockEventStream(lines);
    const corrupted = Buffer.from(bytes);
    corrupted[20] = (corrupted[20] ?? 0) ^ 0x01;
    await expect(decodeAll(chunks(corrupted, [7]))).rejects.toThrow(/malformed event stream/);
    await expect(decodeAll(chunks(bytes.subarray(0, bytes.byteLength - 3), [64]))).rejects.toThrow(
      /ended inside a frame/,
    );
    const absurd = Buffer.from(bytes);
    absurd.writeUInt32BE(4, 0);
    await expect(decodeAll(chunks(absurd, [64]))).rejects.toThrow(/frame length 4/);
  });
});
