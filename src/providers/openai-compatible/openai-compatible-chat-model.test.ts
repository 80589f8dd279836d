import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatStreamPart } from '../../spec/chat.js';
import { AuthenticationError, ContextWindowExceededError, RateLimitError } from '../../spec/errors.js';
import {
  collect,
  type MockUpstream,
  readChunks,
  readFixture,
  sendJson,
  sendStream,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { createOpenAICompatible } from './openai-compatible-provider.js';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

const provider = () => createOpenAICompatible({ name: 'xai', baseURL: `${upstream.url}/v1`, apiKey: 'test-key' });

describe('openai-compatible chat (recorded xAI traffic)', () => {
  it('sends a built body and translates a recorded reasoning response', async () => {
    upstream.handle((_, res) => sendJson(res, 200, readFixture('openai-compatible', 'xai-text.json')));
    const result = await provider()
      .chatModel('grok-3-mini')
      .generate({ messages: [{ role: 'user', content: 'Say a single word.' }], maxTokens: 50, temperature: 0 });
    expect(upstream.requests[0]?.path).toBe('/v1/chat/completions');
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer test-key');
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "max_tokens": 50,
        "messages": [
          {
            "content": "Say a single word.",
            "role": "user",
          },
        ],
        "model": "grok-3-mini",
        "temperature": 0,
      }
    `);
    expect(result.choices[0]?.message.content).toBe('Grok');
    expect(result.choices[0]?.message.reasoningContent).toMatch(/^First, the user said/);
    expect(result.choices[0]?.finishReason).toBe('stop');
    expect(result.usage).toEqual({
      promptTokens: 12,
      completionTokens: 2,
      totalTokens: 334,
      cachedTokens: 2,
      reasoningTokens: 320,
    });
    expect(result.systemFingerprint).toBe('fp_2a885414fb');
  });

  it('forwards the client body byte for byte when nothing changes, and keeps unknown fields', async () => {
    upstream.handle((_, res) => sendJson(res, 200, readFixture('openai-compatible', 'xai-text.json')));
    const raw = Buffer.from(
      '{"model":"grok-3-mini","messages":[{"role":"user","content":"hi"}],"x_vendor_field":{"a":1}}',
    );
    const openaiBody = JSON.parse(raw.toString()) as Record<string, unknown>;
    await provider()
      .chatModel('grok-3-mini')
      .generate(
        { messages: [{ role: 'user', content: 'hi' }] },
        { passthrough: { format: 'openai-chat', body: openaiBody, bytes: raw } },
      );
    expect(upstream.requests[0]?.rawBody.equals(raw)).toBe(true);
    await provider()
      .chatModel('grok-3-beta')
      .generate(
        { messages: [{ role: 'user', content: 'hi' }] },
        { passthrough: { format: 'openai-chat', body: openaiBody, bytes: raw } },
      );
    expect(upstream.requests[1]?.rawBody.toString()).toBe(
      '{"model":"grok-3-beta","messages":[{"role":"user","content":"hi"}],"x_vendor_field":{"a":1}}',
    );
  });

  it('streams a recorded tool call as typed parts with stable ids and usage', async () => {
    upstream.handle((_, res) =>
      sendStream(res, readChunks('openai-compatible', 'xai-tool-call.chunks.txt'), { format: 'sse', done: true }),
    );
    const stream = await provider()
      .chatModel('grok-3-mini')
      .stream({ messages: [{ role: 'user', content: 'weather?' }] });
    const parts = await collect(stream.parts);
    expect((upstream.requests[0]?.body as Record<string, unknown> | undefined)?.stream_options).toEqual({
      include_usage: true,
    });
    const toolDeltas = parts.filter(
      (p): p is Extract<ChatStreamPart, { type: 'tool-call-delta' }> => p.type === 'tool-call-delta',
    );
    expect(toolDeltas.length).toBeGreaterThan(0);
    expect(toolDeltas[0]?.id).toBeTruthy();
    expect(toolDeltas[0]?.name).toBeTruthy();
    const args = toolDeltas
      .filter((d) => d.toolCallIndex === 0)
      .map((d) => d.argumentsDelta)
      .join('');
    expect(() => JSON.parse(args)).not.toThrow();
    expect(parts.find((p) => p.type === 'finish')).toMatchObject({ finishReason: 'tool_calls' });
    expect(parts.at(-1)?.type).toBe('usage');
    expect(parts.some((p) => p.type === 'error')).toBe(false);
  });

  it('streams recorded reasoning then text deltas in order', async () => {
    upstream.handle((_, res) =>
      sendStream(res, readChunks('openai-compatible', 'xai-text.chunks.txt'), { format: 'sse', done: true }),
    );
    const stream = await provider()
      .chatModel('grok-3-mini')
      .stream({ messages: [{ role: 'user', content: 'x' }] });
    const parts = await collect(stream.parts);
    expect(parts[0]).toMatchObject({ type: 'response-metadata', model: 'grok-3-mini' });
    const text = parts.flatMap((p) => (p.type === 'text-delta' ? [p.delta] : [])).join('');
    expect(text).toBe('Grok');
    const firstText = parts.findIndex((p) => p.type === 'text-delta');
    const lastReasoning = parts.findLastIndex((p) => p.type === 'reasoning-delta');
    expect(lastReasoning).toBeLessThan(firstText);
  });

  it('maps upstream errors to typed errors with the upstream message and retry-after', async () => {
    upstream.handle((_, res) =>
      sendJson(
        res,
        429,
        { error: { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' } },
        { 'retry-after': '7' },
      ),
    );
    const failure = await provider()
      .chatModel('m')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(RateLimitError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({
      status: 429,
      retryAfter: 7,
      isRetryable: true,
      message: expect.stringContaining('slow down'),
    });

    upstream.handle((_, res) =>
      sendJson(res, 400, {
        error: { message: "This model's maximum context length is 8192 tokens", code: 'context_length_exceeded' },
      }),
    );
    const tooLong = await provider()
      .chatModel('m')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(ContextWindowExceededError.isInstance(tooLong)).toBe(true);
    expect(tooLong).toMatchObject({ status: 400, code: 'context_length_exceeded', isRetryable: false });
  });

  it('reports an error sent inside a 200 stream as a final error part', async () => {
    upstream.handle((_, res) =>
      sendStream(
        res,
        [
          '{"choices":[{"index":0,"delta":{"content":"Hel"}}]}',
          '{"error":{"message":"overloaded","type":"server_error"}}',
        ],
        { format: 'sse' },
      ),
    );
    const stream = await provider()
      .chatModel('m')
      .stream({ messages: [{ role: 'user', content: 'x' }] });
    const parts = await collect(stream.parts);
    expect(parts.at(-1)).toMatchObject({
      type: 'error',
      error: { status: 500, message: expect.stringContaining('overloaded') },
    });
  });

  it('reports a connection cut mid-stream as an error part, not a hang', async () => {
    upstream.handle((_, res) =>
      sendStream(res, readChunks('openai-compatible', 'xai-text.chunks.txt'), { format: 'sse', cutAfter: 3 }),
    );
    const stream = await provider()
      .chatModel('m')
      .stream({ messages: [{ role: 'user', content: 'x' }] });
    const parts = await collect(stream.parts);
    expect(parts.at(-1)?.type).toBe('error');
  });

  it('fails fast without a network call when a required key is missing', async () => {
    const keyless = createOpenAICompatible({
      name: 'groq',
      baseURL: upstream.url,
      apiKeyEnvironmentVariables: ['GROQ_API_KEY'],
      env: {},
    });
    const failure = await keyless
      .chatModel('m')
      .generate({ messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(failure)).toBe(true);
    expect((failure as Error).message).toContain('GROQ_API_KEY');
    expect(upstream.requests).toHaveLength(0);
  });
});
