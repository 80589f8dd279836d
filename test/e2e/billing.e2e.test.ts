/**
 * The credit-billed gateway end to end, driven by the official openai client: admin API, virtual keys,
 * refusals before any upstream call, charging (JSON, streams, abandoned streams, failures, embeddings),
 * headers with exact money, rate limits, usage and credits endpoints, concurrency and restart durability.
 * The same suite runs on SQLite and, with DATABASE_URL and REDIS_URL, on Postgres + Redis.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OpenAI from 'openai';
import { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dropServiceState } from '../../src/storage/testing/service-cleanup.js';
import { describeWithServices } from '../../src/storage/testing/service-env.js';
import { bodyOf, type MockUpstream, sendJson, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import {
  answerWith,
  type BillingGateway,
  MASTER_KEY,
  startBillingGateway,
  waitFor,
  writeGatewayConfig,
} from './billing-harness.js';

interface StorageSetup {
  name: string;
  /** Env for one gateway's storage; calling it twice gives the same storage (restart tests). */
  env(): Record<string, string>;
  cleanup(): Promise<void>;
}

function sqliteSetup(): StorageSetup {
  const dir = mkdtempSync(join(tmpdir(), 'lg-billing-data-'));
  return { name: 'SQLite', env: () => ({ LLAMAGATE_DATA_DIR: dir }), cleanup: async () => {} };
}

function postgresSetup(databaseUrl: string, redisUrl: string): StorageSetup {
  const suffix = Math.random().toString(36).slice(2, 10);
  const schema = `lg_test_${suffix}`;
  return {
    name: 'Postgres + Redis',
    env: () => ({
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: `lgtest:${suffix}:`,
      // These tests count on Redis's counters; under a loaded suite a reply can take longer than the 250 ms
      // after which the limits fall back to per-process counters (tested in redis-counter-store.test.ts).
      REDIS_COMMAND_TIMEOUT: '5s',
    }),
    async cleanup() {
      await dropServiceState({
        databaseUrl,
        schema,
        redisUrl,
        redisKeyPrefix: `lgtest:${suffix}:`,
      });
    },
  };
}

describe('billing on SQLite', () => billingSuite(sqliteSetup));
describeWithServices(['DATABASE_URL', 'REDIS_URL'], 'billing on Postgres + Redis', (urls) =>
  billingSuite(() => postgresSetup(urls.DATABASE_URL, urls.REDIS_URL)),
);

function statusOf(error: unknown): number | undefined {
  return error instanceof APIError ? error.status : undefined;
}

async function failure(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof APIError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

function billingSuite(makeSetup: () => StorageSetup) {
  let upstream: MockUpstream;
  let setup: StorageSetup;
  let configFile: string;
  let gateway: BillingGateway;

  beforeAll(async () => {
    upstream = await startMockUpstream();
    setup = makeSetup();
    configFile = writeGatewayConfig(upstream.url);
    gateway = await startBillingGateway({ env: { ...setup.env(), CACHE_ENABLED: 'false' }, configFile });
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await setup?.cleanup();
  });
  beforeEach(() => {
    upstream.requests.length = 0;
    upstream.handle(answerWith());
  });

  const chat = (client: OpenAI, model = 'mock-1') =>
    client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 });
  const streamChat = (client: OpenAI, model = 'mock-1') =>
    client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 100,
      stream: true,
    });

  it('creates a key once through the admin API; listings never show the secret again', async () => {
    const created = await gateway.admin<Record<string, unknown>>('POST', '/admin/keys', {
      name: 'team-a',
      credits: 10,
      models: ['mock-*'],
      rpm: 60,
      owner: 'alice',
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^sk-lg-[0-9A-Za-z]{40}$/);
    expect(created.body).toMatchObject({
      name: 'team-a',
      balance: '10.00',
      models: ['mock-*'],
      rpm: 60,
      owner: 'alice',
    });
    expect(created.body.prefix).toBe(`${String(created.body.key).slice(0, 10)}…`);
    const listed = await gateway.admin<{ data: Record<string, unknown>[] }>('GET', '/admin/keys');
    const mine = listed.body.data.find((key) => key.id === created.body.id);
    expect(mine).toMatchObject({ name: 'team-a', prefix: created.body.prefix });
    expect(JSON.stringify(listed.body)).not.toContain(String(created.body.key));
    const one = await gateway.admin<Record<string, unknown>>('GET', `/admin/keys/${String(created.body.id)}`);
    expect(one.body.key).toBeUndefined();
  });

  it('admin routes take only the master key', async () => {
    const { key } = await gateway.createKey({ name: 'not-admin', credits: 1 });
    for (const credential of [key, 'wrong', undefined]) {
      const response = await fetch(`${gateway.url}/admin/keys`, {
        headers: credential === undefined ? {} : { authorization: `Bearer ${credential}` },
      });
      expect(response.status).toBe(401);
    }
  });

  it('charges a request from the reported usage, with exact money in the headers', async () => {
    const { key, id } = await gateway.createKey({ name: 'charged', credits: 10 });
    const client = gateway.client(key);
    const first = await chat(client).withResponse();
    expect(first.data.choices[0]?.message.content).toBe('Hello there!');
    // 100 prompt tokens × $10/1M + 50 completion tokens × $30/1M = $0.0025.
    expect(first.response.headers.get('x-llamagate-cost')).toBe('0.002500');
    expect(first.response.headers.get('x-llamagate-credits-remaining')).toBe('9.997500');
    const second = await chat(client).withResponse();
    expect(second.response.headers.get('x-llamagate-credits-remaining')).toBe('9.995000');
    const view = await gateway.admin<Record<string, unknown>>('GET', `/admin/keys/${id}`);
    expect(view.body).toMatchObject({ balance: '9.995', total_spent: '0.005', reserved: '0.00' });
    expect(upstream.requests).toHaveLength(2);
  });

  it('refuses before any upstream call: no credit 402, budget 402, model 403, disabled 403, revoked/expired 401', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ credits: 0 }, 402, 'insufficient_quota'],
      [{ credits: 10, budget: { amount: '0.000001', period: 'day' } }, 402, 'budget_exceeded'],
      [{ credits: 10, models: ['other-*'] }, 403, 'model_not_allowed'],
      [{ credits: 10, enabled: false }, 403, 'permission_denied'],
      [{ credits: 10, expires_at: Date.now() - 1000 }, 401, 'key_expired'],
    ];
    for (const [settings, status, code] of cases) {
      const { key } = await gateway.createKey({ name: code, ...settings });
      const error = await failure(chat(gateway.client(key)));
      expect([error.status, error.code]).toEqual([status, code]);
    }
    const { key, id } = await gateway.createKey({ name: 'revoked', credits: 10 });
    await chat(gateway.client(key));
    upstream.requests.length = 0;
    expect((await gateway.admin('POST', `/admin/keys/${id}/revoke`)).status).toBe(200);
    const revoked = await failure(chat(gateway.client(key)));
    expect([revoked.status, revoked.code]).toEqual([401, 'key_revoked']);
    const unknown = await failure(chat(gateway.client(`sk-lg-${'x'.repeat(40)}`)));
    expect([unknown.status, unknown.code]).toEqual([401, 'invalid_api_key']);
    expect(upstream.requests).toHaveLength(0);
  });

  it('streams: asks the upstream for usage, charges it after the stream, headers carry the hold', async () => {
    const { key, id } = await gateway.createKey({ name: 'streamer', credits: 1 });
    const { data: stream, response } = await streamChat(gateway.client(key)).withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello there!');
    // Hold: prompt bound 8 tokens × $10/1M + 100 max tokens × $30/1M = $0.00308.
    expect(response.headers.get('x-llamagate-cost-reserved')).toBe('0.003080');
    expect(response.headers.get('x-llamagate-credits-remaining')).toBe('0.996920');
    expect(bodyOf(upstream.requests[0]).stream_options).toEqual({
      include_usage: true,
    });
    const record = await waitFor(async () => {
      await gateway.flush();
      return (await gateway.billing.storage.usage.list({ keyId: id }))[0];
    });
    expect(record).toMatchObject({
      cost: 2500,
      promptTokens: 100,
      completionTokens: 50,
      estimated: false,
      status: 200,
    });
    const credits = await fetch(`${gateway.baseURL}/credits`, { headers: { authorization: `Bearer ${key}` } });
    expect(await credits.json()).toMatchObject({ balance: '0.9975', reserved: '0.00', available: '0.9975' });
  });

  it('counts tokens itself when a stream reports no usage, and marks the record estimated', async () => {
    upstream.handle(answerWith({ usage: null, words: ['one', ' two', ' three'] }));
    const { key, id } = await gateway.createKey({ name: 'no-usage', credits: 1 });
    const stream = await streamChat(gateway.client(key));
    for await (const _ of stream) {
      // drain
    }
    const record = await waitFor(async () => {
      await gateway.flush();
      return (await gateway.billing.storage.usage.list({ keyId: id }))[0];
    });
    // o200k: "hi" is 1 token + 4 framing + 3 primer = 8 prompt tokens; "one two three" is 3 tokens.
    expect(record).toMatchObject({ promptTokens: 8, completionTokens: 3, estimated: true, cost: 8 * 10 + 3 * 30 });
  });

  it('charges an abandoned stream for what was generated and records it as 499', async () => {
    upstream.handle(answerWith({ usage: null, words: ['a', ' b', ' c', ' d', ' e', ' f', ' g', ' h'], delayMs: 100 }));
    const { key, id } = await gateway.createKey({ name: 'abandoner', credits: 1 });
    const stream = await streamChat(gateway.client(key));
    let seen = 0;
    for await (const _ of stream) {
      seen++;
      if (seen === 2) break;
    }
    const record = await waitFor(async () => {
      await gateway.flush();
      return (await gateway.billing.storage.usage.list({ keyId: id }))[0];
    });
    expect(record.status).toBe(499);
    expect(record.estimated).toBe(true);
    expect(record.completionTokens).toBeGreaterThanOrEqual(2);
    expect(record.completionTokens).toBeLessThan(8);
    expect(record.cost).toBe(80 + (record.completionTokens ?? 0) * 30);
    const key2 = await gateway.billing.keys.getById(id);
    expect(key2).toMatchObject({ balance: 1_000_000 - record.cost, reserved: 0 });
  });

  it('does not charge a failed upstream call, but records it', async () => {
    upstream.handle((_, res) => sendJson(res, 500, { error: { message: 'boom' } }));
    const { key, id } = await gateway.createKey({ name: 'failing', credits: 1 });
    const error = await failure(chat(gateway.client(key)));
    expect(error.status).toBeGreaterThanOrEqual(500);
    const record = await waitFor(async () => {
      await gateway.flush();
      return (await gateway.billing.storage.usage.list({ keyId: id }))[0];
    });
    expect(record).toMatchObject({ cost: 0, status: error.status });
    expect(await gateway.billing.keys.getById(id)).toMatchObject({ balance: 1_000_000, reserved: 0, totalSpent: 0 });
  });

  it('charges embeddings from the reported prompt tokens', async () => {
    const { key } = await gateway.createKey({ name: 'embedder', credits: 1 });
    const { response } = await gateway
      .client(key)
      .embeddings.create({ model: 'embed-small', input: ['a', 'b'] })
      .withResponse();
    // 40 tokens × $0.02/1M = 0.8 µ$, rounded half up once to 1 µ$.
    expect(response.headers.get('x-llamagate-cost')).toBe('0.000001');
    expect(response.headers.get('x-llamagate-credits-remaining')).toBe('0.999999');
  });

  it('enforces rpm with 429 and Retry-After, and max parallel requests', async () => {
    const { key } = await gateway.createKey({ name: 'rpm', credits: 1, rpm: 2 });
    await chat(gateway.client(key));
    await chat(gateway.client(key));
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');

    upstream.handle(answerWith({ delayMs: 300 }));
    const parallel = await gateway.createKey({ name: 'parallel', credits: 1, max_parallel: 1 });
    const client = gateway.client(parallel.key);
    const results = await Promise.allSettled([chat(client), chat(client)]);
    expect(results.map((result) => (result.status === 'fulfilled' ? 200 : statusOf(result.reason))).sort()).toEqual([
      200, 429,
    ]);
    await chat(client);
  });

  it('enforces tpm with the actual usage counted after each request', async () => {
    const { key } = await gateway.createKey({ name: 'tpm', credits: 1, tpm: 100 });
    // The first request is admitted on its 8-token estimate, then counted at the 150 tokens it really used.
    await chat(gateway.client(key));
    const refused = await failure(chat(gateway.client(key)));
    expect([refused.status, refused.code]).toEqual([429, 'rate_limit_exceeded']);
    expect(refused.message).toContain('100 tokens per minute');
  });

  it('holds the balance under concurrent requests: never below zero, each success charged once', async () => {
    upstream.handle(answerWith({ delayMs: 50 }));
    // Each request holds $0.00308 and costs $0.0025: $0.01 covers three holds at once, never a fourth.
    const { key, id } = await gateway.createKey({ name: 'racer', credits: '0.01' });
    const client = gateway.client(key);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => chat(client)));
    const ok = results.filter((result) => result.status === 'fulfilled').length;
    const refused = results.filter((result) => result.status === 'rejected' && statusOf(result.reason) === 402).length;
    expect(ok).toBe(3);
    expect(ok + refused).toBe(20);
    // On SQLite a charge lands in the key's row with the request's usage row (one batched transaction).
    await gateway.flush();
    const after = await gateway.billing.keys.getById(id);
    expect(after).toMatchObject({ balance: 10_000 - 3 * 2500, reserved: 0, totalSpent: 3 * 2500 });
    const usageEntries = (await gateway.billing.keys.creditHistory(id)).filter((entry) => entry.kind === 'usage');
    expect(usageEntries).toHaveLength(3);
    const rows = await gateway.billing.storage.usage.list({ keyId: id });
    expect(rows).toHaveLength(20);
    expect(new Set(rows.map((row) => row.requestId)).size).toBe(20);
  });

  it('GET /v1/usage and /v1/credits: a key sees its own totals, per model and per day, and its budget', async () => {
    const { key, id } = await gateway.createKey({
      name: 'reporter',
      credits: 5,
      budget: { amount: 2, period: 'month' },
    });
    const client = gateway.client(key);
    await chat(client, 'mock-1');
    await chat(client, 'mock-2');
    await chat(client, 'mock-2');
    await gateway.flush();
    const usage = (await (await fetch(`${gateway.baseURL}/usage`, { headers: { 'x-api-key': key } })).json()) as Record<
      string,
      unknown
    >;
    expect(usage).toMatchObject({
      object: 'usage',
      key_id: id,
      total: { requests: 3, prompt_tokens: 300, completion_tokens: 150, cost: '0.0075', errors: 0 },
      by_model: [
        { model: 'mock-1', requests: 1, cost: '0.0025' },
        { model: 'mock-2', requests: 2, cost: '0.005' },
      ],
      by_day: [{ day: new Date().toISOString().slice(0, 10), requests: 3 }],
    });
    const credits = await (await fetch(`${gateway.baseURL}/credits`, { headers: { 'x-api-key': key } })).json();
    expect(credits).toMatchObject({
      balance: '4.9925',
      budget: { amount: '2.00', period: 'month', spent: '0.0075', remaining: '1.9925' },
    });
    const other = await gateway.createKey({ name: 'other', credits: 1 });
    const othersUsage = (await (
      await fetch(`${gateway.baseURL}/usage`, { headers: { 'x-api-key': other.key } })
    ).json()) as { total: { requests: number } };
    expect(othersUsage.total.requests).toBe(0);
    const byKey = await gateway.admin<{ data: Record<string, unknown>[] }>(
      'GET',
      `/admin/usage?group_by=key,model&key_id=${id}`,
    );
    expect(byKey.body.data).toEqual([
      expect.objectContaining({ key_id: id, model: 'mock-1', requests: 1 }),
      expect.objectContaining({ key_id: id, model: 'mock-2', requests: 2 }),
    ]);
  });

  it('credit changes are ledger entries with a reason; rotate keeps the key and replaces the secret', async () => {
    const { key, id } = await gateway.createKey({ name: 'ledger', credits: 1, reason: 'trial' });
    expect(
      (await gateway.admin('POST', `/admin/keys/${id}/credits`, { amount: 2.5, reason: 'top-up #1' })).body,
    ).toMatchObject({ kind: 'add', amount: '2.50', balance_after: '3.50', reason: 'top-up #1' });
    expect(
      (await gateway.admin('PUT', `/admin/keys/${id}/credits`, { amount: '1', reason: 'correction' })).body,
    ).toMatchObject({ kind: 'set', amount: '-2.50', balance_after: '1.00' });
    const bad = await gateway.admin('POST', `/admin/keys/${id}/credits`, { amount: 1 });
    expect(bad.status).toBe(400);
    const history = await gateway.admin<{ data: { reason: string }[] }>('GET', `/admin/keys/${id}/credits`);
    expect(history.body.data.map((entry) => entry.reason)).toEqual(['correction', 'top-up #1', 'trial']);

    const rotated = await gateway.admin<{ key: string; id: string }>('POST', `/admin/keys/${id}/rotate`);
    expect(rotated.body.id).toBe(id);
    expect(rotated.body.key).not.toBe(key);
    expect((await failure(chat(gateway.client(key)))).status).toBe(401);
    await chat(gateway.client(rotated.body.key));

    const patched = await gateway.admin<Record<string, unknown>>('PATCH', `/admin/keys/${id}`, { models: ['cheap-*'] });
    expect(patched.body.models).toEqual(['cheap-*']);
    expect((await failure(chat(gateway.client(rotated.body.key)))).code).toBe('model_not_allowed');
  });

  it('lists prices on /v1/models and lets the master key call unbilled', async () => {
    upstream.handle((request, res) =>
      request.path.endsWith('/models')
        ? sendJson(res, 200, { object: 'list', data: [{ id: 'mock-1', object: 'model', created: 0, owned_by: 'x' }] })
        : answerWith()(request, res),
    );
    const models = await gateway.client(MASTER_KEY).models.list();
    expect(models.data.find((model) => model.id === 'mock-1')).toMatchObject({
      pricing: { input: '10.00', output: '30.00', unit: 'USD per 1M tokens' },
    });
    const { response } = await chat(gateway.client(MASTER_KEY)).withResponse();
    expect(response.headers.get('x-llamagate-cost')).toBe('0.002500');
    expect(response.headers.get('x-llamagate-credits-remaining')).toBeNull();
    expect((await failure(chat(gateway.client('not-a-key')))).status).toBe(401);
  });

  it('keeps keys, balances and usage across a restart', async () => {
    const { key, id } = await gateway.createKey({ name: 'durable', credits: 1 });
    await chat(gateway.client(key));
    const restarted = await startBillingGateway({ env: { ...setup.env(), CACHE_ENABLED: 'false' }, configFile });
    try {
      // The first gateway is still running; its buffered usage row is flushed on close.
      await gateway.flush();
      const { response } = await chat(restarted.client(key)).withResponse();
      expect(response.headers.get('x-llamagate-credits-remaining')).toBe('0.995000');
      await restarted.close();
      const reopened = await startBillingGateway({ env: { ...setup.env(), CACHE_ENABLED: 'false' }, configFile });
      try {
        const rows = await reopened.billing.storage.usage.list({ keyId: id });
        expect(rows).toHaveLength(2);
        expect(await reopened.billing.keys.getById(id)).toMatchObject({ balance: 995_000 });
      } finally {
        await reopened.close();
      }
    } finally {
      await restarted.close();
    }
  });

  it('prices response-cache hits by the configured rule (free by default) and records them', async () => {
    const cached = await startBillingGateway({ env: { ...setup.env(), CACHE_ENABLED: 'true' }, configFile });
    try {
      const { key, id } = await cached.createKey({ name: 'cache', credits: 1 });
      const body = { messages: [{ role: 'user' as const, content: `cache ${id}` }] };
      const first = await cached
        .client(key)
        .chat.completions.create({ model: 'mock-1', ...body })
        .withResponse();
      expect(first.response.headers.get('x-llamagate-cost')).toBe('0.002500');
      const second = await cached
        .client(key)
        .chat.completions.create({ model: 'mock-1', ...body })
        .withResponse();
      expect(second.response.headers.get('x-cache')).toBe('HIT');
      expect(second.response.headers.get('x-llamagate-cost')).toBe('0.000000');
      expect(second.response.headers.get('x-llamagate-credits-remaining')).toBe('0.997500');
      await cached.flush();
      const rows = await cached.billing.storage.usage.list({ keyId: id });
      expect(rows.map((row) => [row.cacheHit, row.cost])).toEqual([
        [true, 0],
        [false, 2500],
      ]);
    } finally {
      await cached.close();
    }
  });
}
