import { describe, expect, it } from 'vitest';
import type { ChatStreamPart, ChatStreamResult } from '../spec/chat.js';
import { ProviderAPIError } from '../spec/errors.js';
import { peekFirstOutput } from './stream-peek.js';

/** A stream over `parts` that records how it was closed. */
function recordedStream(parts: ChatStreamPart[], failAt?: number) {
  const events: string[] = [];
  let index = 0;
  const iterator: AsyncIterator<ChatStreamPart> = {
    async next() {
      if (failAt !== undefined && index === failAt) {
        events.push('threw');
        throw new ProviderAPIError({ message: 'upstream broke', provider: 'mock', model: 'm' });
      }
      const part = parts[index++];
      return part === undefined ? { value: undefined, done: true } : { value: part, done: false };
    },
    async return() {
      events.push('return');
      return { value: undefined, done: true };
    },
  };
  const stream: ChatStreamResult = {
    provider: 'mock',
    model: 'm',
    warnings: [],
    parts: { [Symbol.asyncIterator]: () => iterator },
  };
  return { stream, events };
}

const metadata: ChatStreamPart = { type: 'response-metadata', id: 'r1', model: 'm' };
const text = (delta: string): ChatStreamPart => ({ type: 'text-delta', choiceIndex: 0, delta });

async function collect(parts: AsyncIterable<ChatStreamPart>): Promise<ChatStreamPart[]> {
  const seen: ChatStreamPart[] = [];
  for await (const part of parts) seen.push(part);
  return seen;
}

describe('peekFirstOutput', () => {
  it('reads up to the first output part, then replays it and passes the rest through', async () => {
    const { stream } = recordedStream([metadata, text('a'), text('b')]);
    const peeked = await peekFirstOutput(stream);
    expect(await collect(peeked.parts)).toEqual([metadata, text('a'), text('b')]);
  });

  it('throws a failure that comes before any output, so the caller can still fall back', async () => {
    const { stream } = recordedStream([metadata, text('a')], 1);
    await expect(peekFirstOutput(stream)).rejects.toMatchObject({ message: 'upstream broke' });
  });

  it('closes the upstream once when the consumer stops, even before its first read', async () => {
    const { stream, events } = recordedStream([text('a'), text('b')]);
    const peeked = await peekFirstOutput(stream);
    const iterator = peeked.parts[Symbol.asyncIterator]();
    await iterator.return?.();
    await iterator.return?.();
    expect(events).toEqual(['return']);
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('closes the upstream when the consumer breaks off mid-stream', async () => {
    const { stream, events } = recordedStream([text('a'), text('b'), text('c')]);
    const peeked = await peekFirstOutput(stream);
    const seen: ChatStreamPart[] = [];
    for await (const part of peeked.parts) {
      seen.push(part);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([text('a'), text('b')]);
    expect(events).toEqual(['return']);
  });

  it('ends at once when the stream ended while it was being peeked', async () => {
    const { stream } = recordedStream([metadata]);
    const peeked = await peekFirstOutput(stream);
    expect(await collect(peeked.parts)).toEqual([metadata]);
  });
});
