import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BadRequestError, RateLimitError } from '../../spec/errors.js';
import { embeddingsFor, failWith, fixtureDirs, sequence, streamWith } from '../../test-support/client-mocks.js';
import { type MockHandler, type MockUpstream, startMockUpstream } from '../../test-support/mock-upstream.js';
import { openaiReplay } from '../../test-support/replay-openai.js';
import { LlamaGate } from '../llamagate-client.js';
import type { Middleware } from '../model-call.js';
import { type CachedEntry, type CacheStore, cache, MemoryCacheStore } from './cache.js';
import { type LogSink, logging } from './logging.js';
import { rateLimit } from './rate-limit.js';
import { retry } from './retry.js';

let upstream: MockUpstream;
let arrivals: number[];
beforeAll(async () => {
  upstream = await startMockUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
  arrivals = [];
  serve(openaiReplay(fixtureDirs.openai, 'openai-text'));
});

function serve(handler: MockHandler): void {
  upstream.handle((request, response) => {
    arrivals.push(performance.now());
    if (request.path.endsWith('/embeddings')) return embeddingsFor(request, response);
    return handler(request, response);
  });
}

const gate = (middleware: Middleware[] = []) =>
  new LlamaGate({ env: { OPENAI_API_KEY: 'sk-openai', OPENAI_BASE_URL: `${upstream.url}/v1` }, middleware });
const messages = [{ role: 'user' as const, content: 'Invent a holiday.' }];

function recorder(name: string, log: string[]): Middleware {
  return (next) => async (call) => {
    log.push(`${name}>${call.kind}`);
    const outcome = await next(call);
    log.push(`${name}<${outcome.kind}`);
    return outcome;
  };
}

describe('middleware composition', () => {
  it('runs instance middleware outside per-call middleware, in list order, for every kind of call', async () => {
    const log: string[] = [];
    const client = gate([recorder('a', log), recorder('b', log)]);
    await client.completion({ model: 'gpt-4o-mini', messages, middleware: [recorder('c', log)] });
    expect(log).toEqual([
      'a>completion',
      'b>completion',
      'c>completion',
      'c<completion',
      'b<completion',
      'a<completion',
    ]);
    log.length = 0;
    await client.completion({ model: 'gpt-4o-mini', messages, stream: true }).finalResponse();
    await client.embed({ model: 'text-embedding-3-small', input: 'x' });
    expect(log).toEqual(['a>stream', 'b>stream', 'b<stream', 'a<stream', 'a>embed', 'b>embed', 'b<embed', 'a<embed']);
  });
});

describe('retry', () => {
  it('retries retryable failures, waiting at least Retry-After', async () => {
    serve(
      sequence(failWith(429, 'slow down', { 'retry-after': '0.1' }), openaiReplay(fixtureDirs.openai, 'openai-text')),
    );
    const response = await gate([retry({ backoff: { initialDelayMs: 1 } })]).completion({
      model: 'gpt-4o-mini',
      messages,
    });
    expect(response.text).toMatch(/Galaxy Day/);
    expect(arrivals).toHaveLength(2);
    expect((arrivals[1] ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(95);
  });

  it('gives up after maxRetries, and never retries a 4xx or a Retry-After beyond the limit', async () => {
    serve(failWith(503, 'overloaded'));
    const exhausted = await gate([retry({ maxRetries: 2, backoff: { initialDelayMs: 1 }, jitter: 'none' })])
      .completion({ model: 'gpt-4o-mini', messages })
      .catch((e: unknown) => e);
    expect(exhausted).toMatchObject({ status: 503 });
    expect(arrivals).toHaveLength(3);

    arrivals = [];
    serve(failWith(400, 'bad'));
    const bad = await gate([retry()])
      .completion({ model: 'gpt-4o-mini', messages })
      .catch((e: unknown) => e);
    expect(BadRequestError.isInstance(bad)).toBe(true);
    expect(arrivals).toHaveLength(1);

    arrivals = [];
    serve(failWith(429, 'come back tomorrow', { 'retry-after': '86400' }));
    const later = await gate([retry()])
      .completion({ model: 'gpt-4o-mini', messages })
      .catch((e: unknown) => e);
    expect(RateLimitError.isInstance(later)).toBe(true);
    expect(arrivals).toHaveLength(1);
  });

  it('retries a stream that fails before its first chunk', async () => {
    serve(sequence(failWith(502, 'bad gateway'), streamWith(['ok'])));
    const text = await gate([retry({ backoff: { initialDelayMs: 1 } })])
      .completion({ model: 'gpt-4o-mini', messages, stream: true })
      .text();
    expect(text).toBe('ok');
    expect(arrivals).toHaveLength(2);
  });
});

describe('cache', () => {
  it('answers a repeated completion from the cache', async () => {
    const client = gate([cache()]);
    const first = await client.completion({ model: 'gpt-4o-mini', messages });
    const second = await client.completion({ model: 'gpt-4o-mini', messages });
    expect(upstream.requests).toHaveLength(1);
    expect([first.cacheHit, second.cacheHit]).toEqual([false, true]);
    expect(second.text).toBe(first.text);
  });

  it('keys on every field that changes the answer: two schemas on the same prompt never collide', async () => {
    const client = gate([cache()]);
    const A = z.object({ name: z.string() });
    const B = z.object({ title: z.string() });
    const ask = (extra: object) =>
      client.completion({ model: 'gpt-4o-mini', messages, ...extra }).catch(() => undefined);
    await ask({ responseFormat: { type: 'json_schema', json_schema: { name: 'a', schema: z.toJSONSchema(A) } } });
    await ask({ responseFormat: { type: 'json_schema', json_schema: { name: 'a', schema: z.toJSONSchema(B) } } });
    await ask({ responseFormat: { type: 'json_schema', json_schema: { name: 'a', schema: z.toJSONSchema(A) } } });
    expect(upstream.requests).toHaveLength(2);
    await ask({ tools: [{ type: 'function', function: { name: 'f' } }] });
    await ask({ tools: [{ type: 'function', function: { name: 'g' } }] });
    await ask({ temperature: 0.5 });
    await ask({ model: 'gpt-4o' });
    expect(upstream.requests).toHaveLength(6);
  });

  it('replays a finished stream, and embeddings, from the cache', async () => {
    serve(streamWith(['Hel', 'lo']));
    const client = gate([cache()]);
    const first = client.completion({ model: 'gpt-4o-mini', messages, stream: true });
    expect(await first.text()).toBe('Hello');
    const second = client.completion({ model: 'gpt-4o-mini', messages, stream: true });
    const deltas = [];
    for await (const chunk of second) deltas.push(chunk.delta);
    expect(deltas.join('')).toBe('Hello');
    expect((await second.finalResponse()).cacheHit).toBe(true);
    await client.embed({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    const again = await client.embed({ model: 'text-embedding-3-small', input: ['a', 'b'] });
    expect(again.cacheHit).toBe(true);
    expect(upstream.requests.map((request) => request.path)).toEqual(['/v1/chat/completions', '/v1/embeddings']);
  });

  it('does not store a stream that failed, and honours the TTL and a pluggable store', async () => {
    serve(streamWith(['Hello', ' wor', 'ld'], { cutAfter: 3 }));
    const client = gate([cache()]);
    for (let i = 0; i < 2; i++)
      await client
        .completion({ model: 'gpt-4o-mini', messages, stream: true })
        .text()
        .catch(() => undefined);
    expect(upstream.requests).toHaveLength(2);

    let now = 0;
    const memory = new MemoryCacheStore({ now: () => now });
    const writes: number[] = [];
    const store: CacheStore = {
      get: (key) => memory.get(key),
      set: async (key: string, entry: CachedEntry, ttl: number) => {
        writes.push(ttl);
        memory.set(key, entry, ttl);
      },
    };
    serve(openaiReplay(fixtureDirs.openai, 'openai-text'));
    const timed = gate([cache({ store, ttl: 1000 })]);
    await timed.completion({ model: 'gpt-4o-mini', messages });
    now = 999;
    expect((await timed.completion({ model: 'gpt-4o-mini', messages })).cacheHit).toBe(true);
    now = 1000;
    expect((await timed.completion({ model: 'gpt-4o-mini', messages })).cacheHit).toBe(false);
    expect(writes).toEqual([1000, 1000]);
  });
});

describe('rateLimit', () => {
  function fakeClock() {
    const clock = {
      time: 0,
      waits: [] as number[],
      now: () => clock.time,
      sleep: async (ms: number) => {
        clock.waits.push(ms);
        clock.time += ms;
      },
    };
    return clock;
  }

  it('holds requests beyond requestsPerMinute until the window has room', async () => {
    const clock = fakeClock();
    const client = gate([rateLimit({ requestsPerMinute: 2, clock })]);
    for (let i = 0; i < 3; i++) await client.completion({ model: 'gpt-4o-mini', messages });
    expect(clock.waits).toEqual([60_000]);
    expect(upstream.requests).toHaveLength(3);
  });

  it('reserves estimated tokens and corrects them with the reported usage', async () => {
    const clock = fakeClock();
    const client = gate([rateLimit({ tokensPerMinute: 900, clock, estimateTokens: () => 500 })]);
    await client.completion({ model: 'gpt-4o-mini', messages });
    clock.time = 10_000;
    // The first call reported 379 tokens, so 379 + 500 fit (500 + 500 would not); a third 500 must wait.
    await client.completion({ model: 'gpt-4o-mini', messages });
    expect(clock.waits).toEqual([]);
    clock.time = 20_000;
    await client.completion({ model: 'gpt-4o-mini', messages });
    expect(clock.waits).toEqual([40_000]);
  });
});

describe('logging', () => {
  function capture() {
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const sink = Object.fromEntries(
      (['debug', 'info', 'warn', 'error'] as const).map((level) => [
        level,
        (fields: Record<string, unknown>, message: string) => lines.push({ level, fields, message }),
      ]),
    ) as unknown as LogSink;
    return { lines, sink };
  }

  it('logs finished calls at info with usage, failures at warn, and redacts content by default', async () => {
    const { lines, sink } = capture();
    await gate([logging({ level: 'debug', logger: sink })]).completion({ model: 'gpt-4o-mini', messages });
    expect(lines.map((line) => line.level)).toEqual(['debug', 'info']);
    expect(lines[0]?.fields.messages).toEqual([{ role: 'user', length: 17 }]);
    expect(lines[1]?.fields).toMatchObject({ model: 'gpt-4o-mini', provider: 'openai', usage: { totalTokens: 379 } });
    expect(JSON.stringify(lines)).not.toContain('Invent a holiday');
    expect(JSON.stringify(lines)).not.toContain('Galaxy Day');

    lines.length = 0;
    await gate([logging({ level: 'debug', redactContent: false, logger: sink })]).completion({
      model: 'gpt-4o-mini',
      messages,
    });
    expect(JSON.stringify(lines)).toContain('Invent a holiday');

    lines.length = 0;
    serve(failWith(503, 'overloaded'));
    await gate([logging({ logger: sink })])
      .completion({ model: 'gpt-4o-mini', messages })
      .catch(() => undefined);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ status: 503 }) }),
    ]);
  });
});
