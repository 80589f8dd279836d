import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddingsNotSupportedError, RateLimitError } from '../spec/errors.js';
import { embeddingsFor, failWith, fixtureDirs } from '../test-support/client-mocks.js';
import { bodyOf, type MockUpstream, startMockUpstream } from '../test-support/mock-upstream.js';
import { openaiReplay } from '../test-support/replay-openai.js';
import type { BatchProgress } from './client-types.js';
import { LlamaGate } from './llamagate-client.js';

let upstream: MockUpstream;
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
  upstream.handle(embeddingsFor);
});

const gate = () =>
  new LlamaGate({
    env: { OPENAI_API_KEY: 'sk-openai', OPENAI_BASE_URL: `${upstream.url}/v1`, GROQ_API_KEY: 'gsk' },
    providers: { groq: { baseURL: `${upstream.url}/openai/v1` } },
  });

describe('embed', () => {
  it('returns one vector per input', async () => {
    upstream.handle(openaiReplay(fixtureDirs.openai, 'openai-embedding'));
    const result = await gate().embed({ model: 'text-embedding-3-small', input: ['a', 'b'], dimensions: 5 });
    expect(upstream.requests[0]?.body).toMatchInlineSnapshot(`
      {
        "dimensions": 5,
        "encoding_format": "float",
        "input": [
          "a",
          "b",
        ],
        "model": "text-embedding-3-small",
      }
    `);
    expect(result.embeddings).toHaveLength(2);
    expect(result.embeddings[0]?.[0]).toBeCloseTo(0.0057293195);
    expect(result).toMatchObject({ provider: 'openai', model: 'text-embedding-3-small', usage: { promptTokens: 12 } });
  });

  it("splits large inputs by the provider's maxEmbeddingsPerCall and keeps input order", async () => {
    const input = Array.from({ length: 4100 }, (_, index) => `text ${index}`);
    const result = await gate().embed({ model: 'text-embedding-3-small', input, maxConcurrency: 2 });
    expect(upstream.requests.map((request) => (bodyOf(request).input as string[]).length)).toEqual([2048, 2048, 4]);
    expect(upstream.requests.map((request) => (bodyOf(request).input as string[])[0])).toEqual([
      'text 0',
      'text 2048',
      'text 4096',
    ]);
    expect(result.embeddings).toHaveLength(4100);
    expect([result.embeddings[0]?.[0], result.embeddings[2047]?.[0], result.embeddings[2048]?.[0]]).toEqual([
      0, 2047, 0,
    ]);
    expect(result.usage).toEqual({ promptTokens: 8200, totalTokens: 8200 });
    expect(result.raw).toHaveLength(3);
  });

  it('raises EmbeddingsNotSupportedError for providers without embeddings, without a call', async () => {
    const failure = await gate()
      .embed({ model: 'groq/llama-3.1-8b-instant', input: 'x' })
      .catch((e: unknown) => e);
    expect(EmbeddingsNotSupportedError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ provider: 'groq', status: 400 });
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('batch', () => {
  const request = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content }] });

  it('keeps input order, collects errors with index and type, and reports progress', async () => {
    upstream.handle((recorded, response) => {
      const content = (bodyOf(recorded).messages as { content: string }[])[0]?.content;
      if (content === 'fail') return failWith(429, 'slow down')(recorded, response);
      return openaiReplay(fixtureDirs.openai, 'openai-text')(recorded, response);
    });
    const progress: BatchProgress[] = [];
    const result = await gate().batch([request('a'), request('fail'), request('b'), request('fail'), request('c')], {
      onProgress: (step) => progress.push(step),
    });
    expect(result.results.map((response) => response?.provider)).toEqual([
      'openai',
      undefined,
      'openai',
      undefined,
      'openai',
    ]);
    expect(result.errors.map((error) => [error.index, error.type, error.code])).toEqual([
      [1, 'RateLimitError', 'rate_limit_exceeded'],
      [3, 'RateLimitError', 'rate_limit_exceeded'],
    ]);
    expect(RateLimitError.isInstance(result.errors[0]?.error)).toBe(true);
    expect(result).toMatchObject({ successful: 3, failed: 2, totalTokens: 3 * 379, successRate: 0.6 });
    expect(progress).toHaveLength(5);
    expect(progress.at(-1)).toMatchObject({ completed: 5, total: 5, successful: 3, failed: 2 });
  });

  it('never has more than maxConcurrency requests in flight at the upstream', async () => {
    let inFlight = 0;
    let peak = 0;
    upstream.handle(async (recorded, response) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      response.on('close', () => {
        inFlight--;
      });
      await new Promise((resolve) => setTimeout(resolve, 25));
      return openaiReplay(fixtureDirs.openai, 'openai-text')(recorded, response);
    });
    const requests = Array.from({ length: 10 }, (_, index) => request(`q${index}`));
    const result = await gate().batch(requests, { maxConcurrency: 3 });
    expect(result.successful).toBe(10);
    expect(peak).toBe(3);
  });

  it('with failFast, aborts what is in flight, starts nothing more and rejects with the first failure', async () => {
    upstream.handle(async (recorded, response) => {
      const content = (bodyOf(recorded).messages as { content: string }[])[0]?.content;
      if (content === 'fail') return failWith(400, 'bad request')(recorded, response);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      if (!response.destroyed) openaiReplay(fixtureDirs.openai, 'openai-text')(recorded, response);
    });
    const requests = [request('slow'), request('fail'), request('later'), request('never')];
    const started = Date.now();
    const failure = await gate()
      .batch(requests, { maxConcurrency: 2, failFast: true })
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ status: 400 });
    // Well before the slow request could answer (3 s): it was aborted, not awaited, even on a loaded machine.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(upstream.requests).toHaveLength(2);
  });

  it('applies the batch timeout to requests without their own', async () => {
    upstream.handle((recorded, response) => {
      const content = (bodyOf(recorded).messages as { content: string }[])[0]?.content;
      if (content === 'hang') return;
      return openaiReplay(fixtureDirs.openai, 'openai-text')(recorded, response);
    });
    const result = await gate().batch([request('ok'), request('hang')], { timeout: 150 });
    expect(result.errors.map((error) => [error.index, error.type])).toEqual([[1, 'TimeoutError']]);
    expect(result.successful).toBe(1);
  });
});
