import { describe, expect, it } from 'vitest';
import { collect } from '../test-support/mock-upstream.js';
import { NdjsonLineSplitter, parseNdjson } from './ndjson-parser.js';
import { parseSse, SseEventSplitter } from './sse-parser.js';

async function* bytes(...chunks: string[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield new TextEncoder().encode(chunk);
}

describe('SSE parser', () => {
  it('handles events split anywhere, CRLF and CR line ends, comments, event names and multi-line data', async () => {
    const events = await collect(
      parseSse(
        bytes(
          'event: message_start\r\ndata: {"a"',
          ':1}\r\n\r\n: ping\n\ndata: line1\ndata: line2\n\n',
          'data: cr\r\r',
          'data: last',
        ),
      ),
    );
    expect(events).toEqual([
      { event: 'message_start', data: '{"a":1}', id: undefined },
      { event: undefined, data: 'line1\nline2', id: undefined },
      { event: undefined, data: 'cr', id: undefined },
      { event: undefined, data: 'last', id: undefined },
    ]);
  });

  it('keeps multi-byte characters split across chunks intact', async () => {
    const encoded = new TextEncoder().encode('data: héllo 🦙\n\n');
    async function* split(): AsyncGenerator<Uint8Array> {
      for (const byte of encoded) yield new Uint8Array([byte]);
    }
    expect((await collect(parseSse(split())))[0]?.data).toBe('héllo 🦙');
  });

  it('turns bytes that are not UTF-8, and a sequence the stream cuts short, into U+FFFD', async () => {
    async function* body(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array([...new TextEncoder().encode('data: a'), 0xff, 0x62, 0x0a, 0x0a]);
      yield new Uint8Array([...new TextEncoder().encode('data: c'), 0xf0, 0x9f]);
    }
    expect((await collect(parseSse(body()))).map((event) => event.data)).toEqual(['a\ufffdb', 'c\ufffd']);
  });
});

describe('SSE event splitter', () => {
  it('hands out the events a chunk completed, keeping a partial one for the next chunk', () => {
    const events = new SseEventSplitter({ provider: 'openai' });
    expect(events.push('data: {"a":1}\n\ndata: {"b"')).toEqual([{ event: undefined, data: '{"a":1}', id: undefined }]);
    expect(events.push(':2}\n\n')).toEqual([{ event: undefined, data: '{"b":2}', id: undefined }]);
    expect(events.push('data: last')).toEqual([]);
    expect(events.end()).toEqual([{ event: undefined, data: 'last', id: undefined }]);
  });

  it('hands out the events before a data line over the limit, then fails', () => {
    const events = new SseEventSplitter({ provider: 'openai', maxLineLength: 16 });
    expect(events.push('data: ok\n\ndata: 0123456789abcdefghij\n')).toEqual([
      { event: undefined, data: 'ok', id: undefined },
    ]);
    expect(() => events.push('\n')).toThrow(/longer than 16/);
  });
});

describe('NDJSON parser', () => {
  it('parses one object per line across chunk boundaries and a last line without newline', async () => {
    expect(await collect(parseNdjson(bytes('{"a":1}\n{"b"', ':2}\n\n{"c":3}'), 'ollama'))).toEqual([
      { a: 1 },
      { b: 2 },
      { c: 3 },
    ]);
  });

  it('keeps characters split byte by byte across chunks intact', async () => {
    const encoded = new TextEncoder().encode('{"t":"日本 🦙"}\n{"u":"é"}\n');
    async function* split(): AsyncGenerator<Uint8Array> {
      for (const byte of encoded) yield new Uint8Array([byte]);
    }
    expect(await collect(parseNdjson(split(), 'ollama'))).toEqual([{ t: '日本 🦙' }, { u: 'é' }]);
  });

  it('fails with a typed provider error on a line that is not JSON', async () => {
    await expect(collect(parseNdjson(bytes('{"a":1}\nnot json\n'), 'ollama'))).rejects.toMatchObject({
      code: 'upstream_error',
      provider: 'ollama',
    });
  });

  it('hands out the lines before a bad one in the same chunk, then fails', async () => {
    const lines = new NdjsonLineSplitter('ollama');
    expect(lines.push('{"a":1}\n{"b":2}\nnot json\n{"c":3}\n')).toEqual([{ a: 1 }, { b: 2 }]);
    expect(() => lines.push('{"d":4}\n')).toThrow('ollama sent a stream line that is not JSON: not json');
  });

  it('refuses a line longer than the limit, even before its newline arrives', () => {
    const lines = new NdjsonLineSplitter('ollama', { maxLineLength: 8 });
    expect(lines.push('{"a":1}\n')).toEqual([{ a: 1 }]);
    expect(() => lines.push('{"long":"')).toThrow(/longer than/);
  });
});
