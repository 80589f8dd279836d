import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatStreamPart } from '../../spec/chat.js';
import {
  collect,
  type MockUpstream,
  readChunks,
  sendStream,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { PartialArgsJsonWriter, parseGeminiJsonPath } from './gemini-partial-args.js';
import { createGemini } from './gemini-provider.js';
import { ThoughtSignatureCache } from './thought-signature-cache.js';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());

type ToolDelta = Extract<ChatStreamPart, { type: 'tool-call-delta' }>;

interface AssembledCall {
  id: string | undefined;
  name: string | undefined;
  arguments: string;
  deltas: number;
}

/** Replays a recording and folds the tool-call deltas the way an OpenAI client does. */
async function streamToolCalls(fixture: string, signatures = new ThoughtSignatureCache()) {
  upstream.handle((_, res) => sendStream(res, readChunks('google', fixture), { format: 'sse' }));
  const stream = await createGemini({
    apiKey: 'k',
    baseURL: upstream.url,
    env: {},
    thoughtSignatures: signatures,
  })
    .chatModel('gemini-3-flash-preview')
    .stream({ messages: [{ role: 'user', content: 'go' }] });
  const parts = await collect(stream.parts);
  const calls: AssembledCall[] = [];
  for (const part of parts.filter((p): p is ToolDelta => p.type === 'tool-call-delta')) {
    const call = calls[part.toolCallIndex] ?? { id: undefined, name: undefined, arguments: '', deltas: 0 };
    calls[part.toolCallIndex] = call;
    if (part.id !== undefined) call.id = part.id;
    if (part.name !== undefined) call.name = part.name;
    call.arguments += part.argumentsDelta;
    call.deltas++;
  }
  return { parts, calls };
}

describe('gemini streamed function-call arguments (recorded partialArgs traffic)', () => {
  it('assembles two streamed calls from jsonPath fragments into valid JSON, delta by delta', async () => {
    const signatures = new ThoughtSignatureCache();
    const { parts, calls } = await streamToolCalls('google-stream-tool-call-arguments.chunks.txt', signatures);
    expect(calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
      ['getWeather', { location: 'Boston' }],
      ['getWeather', { location: 'San Francisco' }],
    ]);
    expect(calls[0]?.deltas).toBeGreaterThan(2);
    expect(calls[0]?.id).not.toBe(calls[1]?.id);
    expect(signatures.get(calls[0]?.id ?? '')).toMatch(/^CiMBjz1rX25/);
    const first = parts.filter((p): p is ToolDelta => p.type === 'tool-call-delta' && p.toolCallIndex === 0);
    expect(first.map((p) => p.argumentsDelta)).toEqual(['', '{"location":"Boston', '"', '}']);
    expect(parts.find((p) => p.type === 'finish')).toMatchObject({
      finishReason: 'tool_calls',
      rawFinishReason: 'STOP',
    });
    expect(parts.at(-1)).toMatchObject({ type: 'usage', usage: { promptTokens: 26, completionTokens: 155 } });
  });

  it('gives a call without arguments "{}" and numbers parallel calls in order', async () => {
    const { calls } = await streamToolCalls('google-stream-no-args-tool-call.chunks.txt');
    expect(calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([
      ['read_theme', {}],
      ['read_screen', { id: 'A' }],
      ['read_screen', { id: 'B' }],
      ['read_screen', { id: 'C' }],
    ]);
    expect(new Set(calls.map((c) => c.id)).size).toBe(4);
  });

  it('closes a call whose last fragment ends it without a terminal functionCall (arrays of objects, numbers)', async () => {
    const { parts, calls } = await streamToolCalls(
      'google-stream-tool-call-array-arguments-missing-terminal-function-call.chunks.txt',
    );
    expect(calls).toHaveLength(1);
    expect(JSON.parse(calls[0]?.arguments ?? '')).toEqual({
      operations: [
        { action: 'add', description: 'Fresh red apple', itemid: 'apple_001', price: 0.5 },
        { action: 'add', description: 'Ripe yellow banana', itemid: 'banana_001', price: 0.3 },
      ],
    });
    expect(parts.filter((p) => p.type === 'error')).toEqual([]);
  });

  it('rebuilds nested objects, arrays and multi-fragment strings (Vertex recording)', async () => {
    const { calls } = await streamToolCalls('google-vertex-stream-tool-call-arguments-nested.1.chunks.txt');
    const args = JSON.parse(calls[0]?.arguments ?? '') as {
      recipe: { name: string; ingredients: { name: string; amount: string }[]; steps: string[] };
    };
    expect(calls[0]?.name).toBe('cookRecipe');
    expect(args.recipe.name).toBe('Lasagna');
    expect(args.recipe.ingredients).toHaveLength(10);
    expect(args.recipe.ingredients[0]).toEqual({ amount: '16 oz', name: 'Lasagna noodles' });
    expect(args.recipe.steps).toHaveLength(10);
    expect(args.recipe.steps[1]).toBe('Cook lasagna noodles according to package directions, drain and set aside.');
    expect(args.recipe.steps[4]).toBe('In a 9x13 baking dish, spread a thin layer of meat sauce.');
  });
});

describe('PartialArgsJsonWriter', () => {
  it('parses dotted, bracketed and quoted JSONPaths and rejects malformed ones', () => {
    expect(parseGeminiJsonPath('$.a.b[2].c')).toEqual(['a', 'b', 2, 'c']);
    expect(parseGeminiJsonPath(`$['a b']["c.d"]`)).toEqual(['a b', 'c.d']);
    expect(parseGeminiJsonPath('a.b')).toBeUndefined();
    expect(parseGeminiJsonPath('$[x]')).toBeUndefined();
  });

  it('escapes strings, writes booleans and nulls, fills skipped array slots, and closes everything', () => {
    const writer = new PartialArgsJsonWriter();
    let text = writer.push([
      { jsonPath: '$.quote', stringValue: 'say "hi"\n', willContinue: true },
      { jsonPath: '$.quote', stringValue: 'then \\ go' },
      { jsonPath: '$.flags.on', boolValue: true },
      { jsonPath: '$.flags.none', nullValue: null },
      { jsonPath: '$.list[1]', numberValue: 2 },
    ]);
    text += writer.finish();
    expect(JSON.parse(text)).toEqual({
      quote: 'say "hi"\nthen \\ go',
      flags: { on: true, none: null },
      list: [null, 2],
    });
    expect(new PartialArgsJsonWriter().finish()).toBe('{}');
  });
});
