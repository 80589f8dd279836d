import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { peekFirstOutput } from '../../router/stream-peek.js';
import type { ChatStreamPart } from '../../spec/chat.js';
import {
  collect,
  type MockUpstream,
  sendJson,
  sendStream,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { createOllama } from './ollama-provider.js';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const model = () => createOllama({ baseURL: upstream.url, env: {} }).chatModel('codellama:7b-code');
const encoder = new TextEncoder();
const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
const frames = (parts: ChatStreamPart[]) =>
  parts.flatMap((part) => (part.type === 'upstream-frame' ? [text(part.bytes)] : [])).join('');

/** Ollama's documented generate answers, with fields the gateway does not model (`context`, a future one). */
const GENERATE_JSON =
  '{"model":"codellama:7b-code","created_at":"2023-08-04T19:22:45.499127Z","response":"  return a + b","done":true,"done_reason":"stop","context":[1,2,3],"total_duration":10706818083,"load_duration":6338219291,"prompt_eval_count":26,"prompt_eval_duration":130079000,"eval_count":259,"eval_duration":4232710000,"future_field":{"x":1}}';
const GENERATE_LINES = [
  '{"model":"codellama:7b-code","created_at":"2023-08-04T08:52:19.385406455-07:00","response":"The","done":false,"future_field":1}',
  '{"model":"codellama:7b-code","created_at":"2023-08-04T19:22:45.499127Z","response":"","done":true,"context":[1,2,3],"total_duration":10706818083,"load_duration":6338219291,"prompt_eval_count":26,"prompt_eval_duration":130079000,"eval_count":290,"eval_duration":4709213000}',
];

describe("ollama /api/generate passthrough (the gateway's inbound /api/generate)", () => {
  it("sends the client's bytes to /api/generate and keeps the answer's bytes with its usage", async () => {
    upstream.handle((_, response) => sendJson(response, 200, GENERATE_JSON));
    const body = { model: 'codellama:7b-code', prompt: 'def add(a, b):', suffix: '\n', stream: false, raw: false };
    const bytes = encoder.encode(JSON.stringify(body));
    const result = await model().generate(
      { messages: [{ role: 'user', content: 'def add(a, b):' }] },
      { passthrough: { format: 'ollama-generate', body, bytes } },
    );
    expect(upstream.requests[0]?.path).toBe('/api/generate');
    expect(upstream.requests[0]?.rawBody.toString()).toBe(JSON.stringify(body));
    expect(result.choices[0]?.message.content).toBe('  return a + b');
    expect(result.usage).toEqual({ promptTokens: 26, completionTokens: 259, totalTokens: 285 });
    expect([text(result.response?.body), result.response?.format]).toEqual([GENERATE_JSON, 'ollama-generate']);
  });

  it('sets only model and stream when they differ from what the client sent', async () => {
    upstream.handle((_, response) => sendJson(response, 200, GENERATE_JSON));
    const body = { model: 'ollama/codellama:7b-code', prompt: 'x', context: [7] };
    await model().generate(
      { messages: [{ role: 'user', content: 'x' }] },
      { passthrough: { format: 'ollama-generate', body, bytes: encoder.encode(JSON.stringify(body)) } },
    );
    expect(upstream.requests[0]?.body).toEqual({
      model: 'codellama:7b-code',
      prompt: 'x',
      context: [7],
      stream: false,
    });
  });

  it("streams the upstream's frames, each before the parts read from it, and the usage of the done line", async () => {
    upstream.handle((_, response) => sendStream(response, GENERATE_LINES, { format: 'ndjson' }));
    const body = { model: 'codellama:7b-code', prompt: 'Why?' };
    const stream = await model().stream(
      { messages: [{ role: 'user', content: 'Why?' }] },
      { passthrough: { format: 'ollama-generate', body, bytes: encoder.encode(JSON.stringify(body)) } },
    );
    const parts = await collect(stream.parts);
    expect(frames(parts)).toBe(`${GENERATE_LINES.join('\n')}\n`);
    expect(parts.map((part) => part.type)).toEqual([
      'upstream-frame',
      'response-metadata',
      'text-delta',
      'upstream-frame',
      'finish',
      'usage',
    ]);
    expect(parts.at(-1)).toEqual({
      type: 'usage',
      usage: { promptTokens: 26, completionTokens: 290, totalTokens: 316 },
    });
  });

  it('still fails over on an error line that opens the stream (its frame is not output)', async () => {
    upstream.handle((_, response) => sendStream(response, ['{"error":"model is loading"}'], { format: 'ndjson' }));
    const body = { model: 'codellama:7b-code', prompt: 'x' };
    const stream = await model().stream(
      { messages: [{ role: 'user', content: 'x' }] },
      { passthrough: { format: 'ollama-generate', body, bytes: encoder.encode(JSON.stringify(body)) } },
    );
    await expect(peekFirstOutput(stream)).rejects.toThrow('model is loading');
  });
});

describe('legacy completions through /api/generate', () => {
  const completion = { model: 'codellama:7b-code', prompt: ['def add(a, b):'], suffix: '\n', max_tokens: 32 };
  const request = {
    messages: [{ role: 'user' as const, content: 'def add(a, b):' }],
    maxTokens: 32,
    temperature: 0,
    stop: ['\n\n'],
  };

  it('maps prompt, suffix and the settings to a generate body, and reads the answer as a chat result', async () => {
    upstream.handle((_, response) => sendJson(response, 200, GENERATE_JSON));
    const result = await model().generate(request, {
      passthrough: { format: 'openai-completions', body: completion },
    });
    expect(upstream.requests[0]?.path).toBe('/api/generate');
    expect(upstream.requests[0]?.rawBody.toString()).toBe(
      '{"model":"codellama:7b-code","prompt":"def add(a, b):","suffix":"\\n","options":{"num_predict":32,"temperature":0,"stop":["\\n\\n"]},"stream":false}',
    );
    expect(result.choices[0]).toMatchObject({ message: { content: '  return a + b' }, finishReason: 'stop' });
    expect(result.response?.body).toBeUndefined();
  });

  it('sends raw when the client asked for it, and streams typed parts without frames', async () => {
    upstream.handle((_, response) => sendStream(response, GENERATE_LINES, { format: 'ndjson' }));
    const stream = await model().stream(request, {
      passthrough: { format: 'openai-completions', body: { model: 'x', prompt: '<PRE> a <SUF>b <MID>', raw: true } },
    });
    const parts = await collect(stream.parts);
    expect(upstream.requests[0]?.body).toMatchObject({ prompt: '<PRE> a <SUF>b <MID>', raw: true, stream: true });
    expect(parts.some((part) => part.type === 'upstream-frame')).toBe(false);
    expect(parts.filter((part) => part.type === 'text-delta')).toEqual([
      { type: 'text-delta', choiceIndex: 0, delta: 'The' },
    ]);
  });
});
