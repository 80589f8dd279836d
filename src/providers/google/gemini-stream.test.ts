import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collect,
  type MockUpstream,
  readChunks,
  sendStream,
  startMockUpstream,
} from '../../test-support/mock-upstream.js';
import { createGemini } from './gemini-provider.js';
import { ThoughtSignatureCache } from './thought-signature-cache.js';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());

const provider = () =>
  createGemini({ apiKey: 'test-key', baseURL: upstream.url, env: {}, thoughtSignatures: new ThoughtSignatureCache() });
const replayStream = (name: string, options: { cutAfter?: number } = {}) =>
  upstream.handle((_, res) => sendStream(res, readChunks('google', name), { format: 'sse', ...options }));
const user = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

describe('gemini stream endings', () => {
  it('takes stream usage from the last event with token counts, not a trailing trafficType-only block', async () => {
    upstream.handle((_, res) =>
      sendStream(
        res,
        [
          '{"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]}}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1,"totalTokenCount":4}}',
          '{"candidates":[{"content":{"role":"model","parts":[{"text":""}]},"finishReason":"STOP"}],"usageMetadata":{"trafficType":"ON_DEMAND"}}',
        ],
        { format: 'sse' },
      ),
    );
    const stream = await provider().chatModel('gemini-2.5-flash').stream(user('x'));
    const parts = await collect(stream.parts);
    expect(parts.at(-1)).toEqual({ type: 'usage', usage: { promptTokens: 3, completionTokens: 1, totalTokens: 4 } });
  });

  it('reports a connection cut mid-stream as a final error part', async () => {
    replayStream('google-text.chunks.txt', { cutAfter: 1 });
    const stream = await provider().chatModel('gemini-3-pro-preview').stream(user('x'));
    const parts = await collect(stream.parts);
    expect(parts.map((p) => p.type)).toEqual(['response-metadata', 'text-delta', 'error']);
  });

  it('reports a stream that ends without a finish reason as an error part', async () => {
    upstream.handle((_, res) =>
      sendStream(res, readChunks('google', 'google-text.chunks.txt').slice(0, 2), { format: 'sse' }),
    );
    const stream = await provider().chatModel('gemini-3-pro-preview').stream(user('x'));
    const parts = await collect(stream.parts);
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { message: expect.stringContaining('finish reason') } });
  });

  it('reports an error event inside a 200 stream as a typed error part', async () => {
    upstream.handle((_, res) =>
      sendStream(
        res,
        [
          readChunks('google', 'google-text.chunks.txt')[0] ?? '',
          '{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}',
        ],
        { format: 'sse' },
      ),
    );
    const stream = await provider().chatModel('gemini-3-pro-preview').stream(user('x'));
    const parts = await collect(stream.parts);
    expect(parts.at(-1)).toMatchObject({
      type: 'error',
      error: { status: 503, isRetryable: true, message: expect.stringContaining('overloaded') },
    });
  });

  it('aborts the upstream request when the consumer stops iterating', async () => {
    let closed: Promise<unknown> = Promise.resolve();
    upstream.handle((_, res) => {
      closed = once(res, 'close');
      const line = readChunks('google', 'google-text.chunks.txt')[0] ?? '';
      // 40 s of stream: only an abort closes the response within the test's time.
      return sendStream(
        res,
        Array.from({ length: 2000 }, () => line),
        { format: 'sse', delayMs: 20 },
      ).catch(() => {});
    });
    const stream = await provider().chatModel('gemini-3-pro-preview').stream(user('x'));
    for await (const part of stream.parts) if (part.type === 'text-delta') break;
    const timeout = new Promise((resolve) => setTimeout(resolve, 3000, 'still open'));
    expect(await Promise.race([closed.then(() => 'closed'), timeout])).toBe('closed');
  });
});
