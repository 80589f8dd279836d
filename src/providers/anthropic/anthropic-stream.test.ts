import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatStreamPart } from '../../spec/chat.js';
import { ProviderAPIError, ServiceUnavailableError } from '../../spec/errors.js';
import {
  collect,
  type MockUpstream,
  readChunks,
  sendStream,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { anthropicReplay } from '../../test-support/replay-anthropic.js';
import { createAnthropic } from './anthropic-provider.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const model = () => createAnthropic({ baseURL: `${upstream.url}/v1`, apiKey: 'k', env: {} }).chatModel('claude-x');

async function streamParts(
  request: Parameters<ReturnType<typeof model>['stream']>[0] = { messages: [{ role: 'user', content: 'x' }] },
) {
  const result = await model().stream(request);
  const parts = await collect(result.parts);
  // `created` is the gateway's clock; everything else is deterministic.
  return parts.map((part) => (part.type === 'response-metadata' ? { ...part, created: 0 } : part));
}

const text = (parts: ChatStreamPart[]) => parts.flatMap((p) => (p.type === 'text-delta' ? [p.delta] : [])).join('');

describe('anthropic stream (recorded traffic)', () => {
  it('streams text as typed parts, ending with one finish and one usage part', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-text'));
    const parts = await streamParts();
    expect((upstream.requests[0]?.body as Record<string, unknown> | undefined)?.stream).toBe(true);
    expect(upstream.requests[0]?.headers.accept).toBe('text/event-stream');
    expect(parts).toEqual([
      {
        type: 'response-metadata',
        id: 'msg_01QC4g3HwBThD4BaNtBckFDJ',
        model: 'claude-sonnet-4-5-20250929',
        created: 0,
      },
      { type: 'text-delta', choiceIndex: 0, delta: 'Hello' },
      { type: 'text-delta', choiceIndex: 0, delta: '! I' },
      { type: 'text-delta', choiceIndex: 0, delta: "'m doing well, thank you for asking" },
      { type: 'text-delta', choiceIndex: 0, delta: '. How are you doing today?' },
      { type: 'text-delta', choiceIndex: 0, delta: ' Is' },
      { type: 'text-delta', choiceIndex: 0, delta: ' there anything I can help you with?' },
      { type: 'finish', choiceIndex: 0, finishReason: 'stop', rawFinishReason: 'end_turn' },
      {
        type: 'usage',
        usage: { promptTokens: 12, completionTokens: 30, totalTokens: 42, cachedTokens: 0, cacheWriteTokens: 0 },
      },
    ]);
  });

  it('streams a tool call without arguments: id and name first, index counted over tool blocks, {} as arguments', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-tool-no-args'));
    const parts = await streamParts();
    expect(parts.slice(1)).toEqual([
      { type: 'text-delta', choiceIndex: 0, delta: "I'll update the issue list for" },
      { type: 'text-delta', choiceIndex: 0, delta: ' you.' },
      {
        type: 'tool-call-delta',
        choiceIndex: 0,
        toolCallIndex: 0,
        id: 'toolu_01QE1WLsSVp5hy5Q3GmGTmjP',
        name: 'updateIssueList',
        argumentsDelta: '',
      },
      { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: 0, argumentsDelta: '{}' },
      { type: 'finish', choiceIndex: 0, finishReason: 'tool_calls', rawFinishReason: 'tool_use' },
      {
        type: 'usage',
        usage: { promptTokens: 565, completionTokens: 48, totalTokens: 613, cachedTokens: 0, cacheWriteTokens: 0 },
      },
    ]);
  });

  it('streams tool arguments from input_json_delta', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-json-other-tool.1'));
    const parts = await streamParts();
    const deltas = parts.filter(
      (p): p is Extract<ChatStreamPart, { type: 'tool-call-delta' }> => p.type === 'tool-call-delta',
    );
    expect(deltas).toEqual([
      {
        type: 'tool-call-delta',
        choiceIndex: 0,
        toolCallIndex: 0,
        id: 'toolu_019Zvehfe1XQWweT1pm7okyt',
        name: 'weather',
        argumentsDelta: '',
      },
      { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: 0, argumentsDelta: '{"location": "San Francisco' },
      { type: 'tool-call-delta', choiceIndex: 0, toolCallIndex: 0, argumentsDelta: '"}' },
    ]);
  });

  it('streams the JSON tool input as text deltas with finish reason stop', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-json-tool.1'));
    const parts = await streamParts({
      messages: [{ role: 'user', content: 'x' }],
      responseFormat: { type: 'json_object' },
    });
    expect(parts.slice(1)).toEqual([
      {
        type: 'text-delta',
        choiceIndex: 0,
        delta: '{"elements": [{"location": "San Francisco", "temperature": 58, "condition": "sunny"}]',
      },
      { type: 'text-delta', choiceIndex: 0, delta: '}' },
      { type: 'finish', choiceIndex: 0, finishReason: 'stop', rawFinishReason: 'tool_use' },
      {
        type: 'usage',
        usage: { promptTokens: 849, completionTokens: 47, totalTokens: 896, cachedTokens: 0, cacheWriteTokens: 0 },
      },
    ]);
  });

  it('holds back narration before the JSON tool so the text stays valid JSON', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-json-tool.2'));
    const parts = await streamParts({
      messages: [{ role: 'user', content: 'x' }],
      responseFormat: { type: 'json_object' },
    });
    expect(JSON.parse(text(parts))).toEqual({
      elements: [{ location: 'San Francisco', temperature: 58, condition: 'sunny' }],
    });
    expect(parts.some((p) => p.type === 'tool-call-delta')).toBe(false);
  });

  it('sends held-back text when a JSON-mode answer came as plain text', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-text'));
    const parts = await streamParts({
      messages: [{ role: 'user', content: 'x' }],
      responseFormat: { type: 'json_object' },
    });
    expect(text(parts)).toMatch(/^Hello! I'm doing well/);
    expect(parts.at(-2)).toMatchObject({ type: 'finish', finishReason: 'stop' });
  });

  it('streams thinking as reasoning deltas before the text', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-clear-thinking.1'));
    const parts = await streamParts();
    const reasoning = parts.flatMap((p) => (p.type === 'reasoning-delta' ? [p.delta] : [])).join('');
    expect(reasoning).toBe('The previous result was 925. Now I need to divide that by 5.\n\n925 ÷ 5 = 185');
    expect(text(parts)).toBe('925 ÷ 5 = 185');
    expect(parts.findLastIndex((p) => p.type === 'reasoning-delta')).toBeLessThan(
      parts.findIndex((p) => p.type === 'text-delta'),
    );
    expect(parts.some((p) => p.type === 'reasoning-delta' && p.delta === '')).toBe(false);
  });

  it('streams a refusal as a refusal delta and content_filter', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-refusal'));
    const parts = await streamParts();
    expect(parts.slice(1)).toEqual([
      {
        type: 'refusal-delta',
        choiceIndex: 0,
        delta:
          "This request triggered restrictions on violative cyber content and was blocked under Anthropic's Usage Policy.",
      },
      { type: 'finish', choiceIndex: 0, finishReason: 'content_filter', rawFinishReason: 'refusal' },
      {
        type: 'usage',
        usage: { promptTokens: 18, completionTokens: 5, totalTokens: 23, cachedTokens: 0, cacheWriteTokens: 0 },
      },
    ]);
  });

  it('takes corrected input tokens from message_delta', async () => {
    upstream.handle(anthropicReplay(fixtures, 'anthropic-message-delta-input-tokens'));
    const parts = await streamParts();
    expect(parts.filter((p) => p.type === 'usage')).toEqual([
      { type: 'usage', usage: { promptTokens: 61, completionTokens: 2, totalTokens: 63 } },
    ]);
  });

  it('ignores a duplicated message_start frame', async () => {
    upstream.handle((_, res) =>
      sendStream(res, readChunks('anthropic', 'duplicate-message-start.chunks.txt'), {
        format: 'sse',
        eventFromType: true,
      }),
    );
    const parts = await streamParts();
    expect(parts.filter((p) => p.type === 'response-metadata')).toHaveLength(1);
    expect(text(parts)).toBe('Hello, World!');
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { promptTokens: 17, completionTokens: 227, totalTokens: 244 },
    });
  });

  it('fails a stream into which a second generation was spliced', async () => {
    upstream.handle((_, res) =>
      sendStream(res, readChunks('anthropic', 'spliced-message-start.chunks.txt'), {
        format: 'sse',
        eventFromType: true,
      }),
    );
    const parts = await streamParts();
    const last = parts.at(-1);
    expect(last?.type).toBe('error');
    expect(last?.type === 'error' && ProviderAPIError.isInstance(last.error)).toBe(true);
    expect(last?.type === 'error' && last.error.message).toContain('msg_second');
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
  });

  it('ends with an error part when Anthropic sends an error event mid-stream', async () => {
    upstream.handle((_, res) =>
      sendStream(res, readChunks('anthropic', 'doc-anthropic-stream-error.chunks.txt'), {
        format: 'sse',
        eventFromType: true,
      }),
    );
    const parts = await streamParts();
    expect(text(parts)).toBe('Hello');
    const last = parts.at(-1);
    expect(last?.type === 'error' && ServiceUnavailableError.isInstance(last.error)).toBe(true);
    expect(last).toMatchObject({ type: 'error', error: { status: 503, message: 'anthropic error (529): Overloaded' } });
  });

  it('reports a connection cut mid-stream as an error part, not a hang', async () => {
    upstream.handle((_, res) =>
      sendStream(res, readChunks('anthropic', 'anthropic-text.chunks.txt'), {
        format: 'sse',
        eventFromType: true,
        cutAfter: 4,
      }),
    );
    const parts = await streamParts();
    expect(parts.at(-1)?.type).toBe('error');
    expect(parts.some((p) => p.type === 'finish')).toBe(false);
  });

  it('reports a stream that ends cleanly but without message_stop as an error part', async () => {
    const lines = readChunks('anthropic', 'anthropic-text.chunks.txt').slice(0, 6);
    upstream.handle((_, res) => sendStream(res, lines, { format: 'sse', eventFromType: true }));
    const parts = await streamParts();
    expect(parts.at(-1)).toMatchObject({
      type: 'error',
      error: { message: 'anthropic stream ended before message_stop' },
    });
  });

  it('rejects before any part when the upstream answers with an HTTP error', async () => {
    upstream.handle((_, res) => {
      res.writeHead(529, { 'content-type': 'application/json' });
      res.end('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
    });
    const failure = await model()
      .stream({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(ServiceUnavailableError.isInstance(failure)).toBe(true);
  });

  it('closes the upstream when the consumer stops early', async () => {
    let closed!: () => void;
    const socketClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    upstream.handle((_, res) => {
      res.on('close', () => closed());
      // Never ends on its own: only the client going away closes it.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const line of readChunks('anthropic', 'anthropic-text.chunks.txt').slice(0, 4)) {
        res.write(`event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`);
      }
    });
    const result = await model().stream({ messages: [{ role: 'user', content: 'x' }] });
    for await (const part of result.parts) {
      if (part.type === 'text-delta') break;
    }
    await socketClosed;
  });
});

describe('anthropic stream relay (the client sent its own Messages API body)', () => {
  const sse = (lines: readonly string[]) =>
    lines.map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`).join('');
  const decoder = new TextDecoder();

  async function relayParts(): Promise<ChatStreamPart[]> {
    const body = { model: 'claude-x', max_tokens: 16, messages: [{ role: 'user', content: 'x' }], stream: true };
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const result = await model().stream(
      { messages: [{ role: 'user', content: 'x' }] },
      { passthrough: { format: 'anthropic-messages', body, bytes } },
    );
    return collect(result.parts);
  }
  const relayed = (parts: ChatStreamPart[]) =>
    parts.flatMap((part) => (part.type === 'upstream-frame' ? [decoder.decode(part.bytes)] : []));

  it("hands on the upstream's bytes in whole events, each piece before the parts it produced", async () => {
    const raw = sse(readChunks('anthropic', 'anthropic-text.chunks.txt'));
    // Written in pieces cut mid-event, so a piece can hold several events or wait for the next write.
    upstream.handle(async (_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const [from, to] of [
        [0, 100],
        [100, 700],
        [700, raw.length],
      ] as const) {
        await new Promise<void>((resolve) => res.write(raw.slice(from, to), () => resolve()));
      }
      res.end();
    });
    const parts = await relayParts();
    expect(relayed(parts).join('')).toBe(raw);
    expect(relayed(parts).every((piece) => piece.endsWith('\n\n'))).toBe(true);
    expect(parts[0]?.type).toBe('upstream-frame');
    // The typed parts are those of the same stream unrelayed: usage and finish still come from the events.
    const typed = parts.filter((part) => part.type !== 'upstream-frame');
    expect(typed.map((part) => (part.type === 'response-metadata' ? { ...part, created: 0 } : part))).toEqual(
      await streamParts(),
    );
  });

  it("marks the upstream's own error event as relayed, and a cut as not", async () => {
    const lines = readChunks('anthropic', 'doc-anthropic-stream-error.chunks.txt');
    upstream.handle((_, res) => sendStream(res, lines, { format: 'sse', eventFromType: true }));
    const failed = await relayParts();
    expect(relayed(failed).join('')).toBe(sse(lines));
    expect(failed.at(-1)).toMatchObject({ type: 'error', relayed: true, error: { status: 503 } });

    const text = readChunks('anthropic', 'anthropic-text.chunks.txt');
    upstream.handle((_, res) => sendStream(res, text, { format: 'sse', eventFromType: true, cutAfter: 4 }));
    const cut = await relayParts();
    expect(relayed(cut).join('')).toBe(sse(text.slice(0, 4)));
    expect(cut.at(-1)).toMatchObject({ type: 'error' });
    expect(cut.at(-1)).not.toHaveProperty('relayed');
  });
});
