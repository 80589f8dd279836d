import { describe, expect, it } from 'vitest';
import { collect } from '../test-support/mock-upstream.js';
import { parseSse } from './sse-parser.js';
import { SseRelay } from './sse-relay.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function* chunks(text: string, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  const bytes = encoder.encode(text);
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.subarray(from, cut);
    from = cut;
  }
}

/** What a relay hands out after each parsed event, as text. */
async function relayed(text: string, cuts: readonly number[]): Promise<(string | undefined)[]> {
  const relay = new SseRelay();
  const taken: (string | undefined)[] = [];
  for await (const _event of parseSse(relay.read(chunks(text, cuts)))) {
    const bytes = relay.take();
    taken.push(bytes === undefined ? undefined : decoder.decode(bytes));
  }
  const rest = relay.take();
  if (rest !== undefined) taken.push(`rest:${decoder.decode(rest)}`);
  const tail = relay.takeTail();
  if (tail !== undefined) taken.push(`tail:${decoder.decode(tail)}`);
  return taken;
}

describe('SseRelay', () => {
  it('hands out whole events only, however the body was cut, and every byte exactly once', async () => {
    const text = 'event: a\ndata: {"x":"é"}\n\nevent: b\ndata: 2\n\nevent: c\ndata: 3\n\n';
    // Cuts inside a field name, inside the two bytes of é, between the two LFs of a boundary.
    expect(await relayed(text, [3, 22, 26, 40])).toEqual([
      'event: a\ndata: {"x":"é"}\n\n',
      'event: b\ndata: 2\n\nevent: c\ndata: 3\n\n',
      undefined,
    ]);
    const pieces = await collect(new SseRelay().read(chunks(text, [1, 2, 3, 30, 31])));
    expect(decoder.decode(Buffer.concat(pieces))).toBe(text);
  });

  it('finds boundaries made of CRLF and CR line ends, split across reads', async () => {
    const text = 'data: 1\r\n\r\ndata: 2\r\rdata: 3\n\n';
    expect(await relayed(text, [10, 11, 20])).toEqual(['data: 1\r\n\r', '\ndata: 2\r\r', 'data: 3\n\n']);
  });

  it('keeps the bytes after the last blank line apart, closed with the line ends their event lacked', async () => {
    // The tail is not handed out by take(): it may be half an event, relayed only by a stream that ended well.
    expect(await relayed('data: 1\n\ndata: 2', [])).toEqual(['data: 1\n\n', undefined, 'tail:data: 2\n\n']);
    expect(await relayed('data: 1\n\ndata: {"a', [9])).toEqual(['data: 1\n\n', undefined, 'tail:data: {"a\n\n']);
    expect(await relayed('data: 1\n\n: keep-alive\n', [9])).toEqual(['data: 1\n\n', 'tail:: keep-alive\n\n']);
    expect(await relayed('data: 1\n\n', [])).toEqual(['data: 1\n\n']);
  });
});
