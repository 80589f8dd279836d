import { describe, expect, it } from 'vitest';
import { readNdjsonFrames } from './ndjson-parser.js';

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield new TextEncoder().encode(part);
}

async function frames(body: AsyncIterable<Uint8Array>, maxLineLength?: number) {
  const out: { text: string; value: unknown }[] = [];
  const options = maxLineLength === undefined ? {} : { maxLineLength };
  for await (const frame of readNdjsonFrames(body, 'ollama', options))
    out.push({ text: new TextDecoder().decode(frame.bytes), value: frame.value });
  return out;
}

describe('readNdjsonFrames', () => {
  it('gives each line its exact bytes across chunk boundaries (blank lines and a last unterminated line too)', async () => {
    const body = ['{"a":1,', ' "é":"ü"}\n\n{"b"', ':2}\r\n{"c":3}'];
    expect(await frames(chunks(...body))).toEqual([
      { text: '{"a":1, "é":"ü"}\n', value: { a: 1, é: 'ü' } },
      { text: '\n', value: undefined },
      { text: '{"b":2}\r\n', value: { b: 2 } },
      { text: '{"c":3}', value: { c: 3 } },
    ]);
  });

  it('splits a multi-byte character across chunks without changing a byte', async () => {
    const bytes = new TextEncoder().encode('{"t":"日本"}\n');
    async function* split() {
      yield bytes.subarray(0, 8);
      yield bytes.subarray(8);
    }
    const [frame] = await frames(split());
    expect(frame).toEqual({ text: '{"t":"日本"}\n', value: { t: '日本' } });
  });

  it('refuses a line that is not JSON or longer than the cap', async () => {
    await expect(frames(chunks('nope\n'))).rejects.toThrow('ollama sent a stream line that is not JSON: nope');
    await expect(frames(chunks('x'.repeat(2000)), 1024)).rejects.toThrow('longer than 1024 characters');
  });
});
