/**
 * Money hardening, end to end with the official openai client on SQLite and (with DATABASE_URL and REDIS_URL)
 * Postgres + Redis: a charge is capped at the hold plus the allowed overdraft however much usage an upstream
 * reports; aliases, pools and routes are priced by the model they serve; and the usage ledger is keyed by the
 * gateway's own request id, with the client's `X-Request-ID` stored beside it.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dropServiceState } from '../../src/storage/testing/service-cleanup.js';
import { describeWithServices } from '../../src/storage/testing/service-env.js';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith, type BillingGateway, startBillingGateway } from './billing-harness.js';

interface StorageSetup {
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

function sqliteSetup(): StorageSetup {
  return { env: { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-hardening-')) }, cleanup: async () => {} };
}

function postgresSetup(databaseUrl: string, redisUrl: string): StorageSetup {
  const suffix = Math.random().toString(36).slice(2, 10);
  const schema = `lg_test_hard_${suffix}`;
  return {
    env: {
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: `lgtest:${suffix}:`,
    },
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

describe('billing hardening on SQLite', () => hardeningSuite(sqliteSetup));
describeWithServices(['DATABASE_URL', 'REDIS_URL'], 'billing hardening on Postgres + Redis', (urls) =>
  hardeningSuite(() => postgresSetup(urls.DATABASE_URL, urls.REDIS_URL)),
);

function writeConfig(upstreamUrl: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'lg-hardening-config-')), 'llamagate.yaml');
  writeFileSync(
    file,
    `defaultBackend: local
backends:
  - name: local
    type: openai-compatible
    config: { endpoint: "${upstreamUrl}/v1", apiKey: "sk-upstream" }
  - name: second
    type: openai-compatible
    config: { endpoint: "${upstreamUrl}/v1", apiKey: "sk-upstream", defaultModel: "mock-9" }
  - { name: mockpool, type: pool, backends: [second] }
prices:
  "mock-*": { input: "10.00", output: "30.00" }
  "vip": { input: "1.00", output: "1.00" }
models:
  fast: local/mock-1
  vip: local/mock-1
routes:
  - { name: premium, path: /v1/premium-only, backend: second }
`,
  );
  return file;
}

function hardeningSuite(makeSetup: () => StorageSetup) {
  let upstream: MockUpstream;
  let setup: StorageSetup;
  let gateway: BillingGateway;

  beforeAll(async () => {
    upstream = await startMockUpstream();
    setup = makeSetup();
    gateway = await startBillingGateway({
      env: { ...setup.env, CACHE_ENABLED: 'false' },
      configFile: writeConfig(upstream.url),
    });
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

  // The stored balance once the batched usage rows (which carry SQLite's charges) are written.
  const balanceOf = async (id: string) => {
    await gateway.flush();
    return (await gateway.billing.storage.keys.getById(id))?.balance;
  };

  it('caps a charge at twice its hold when the upstream reports absurd usage, records both and flags the backend', async () => {
    upstream.handle(answerWith({ usage: { prompt_tokens: 5, completion_tokens: 1_000_000, total_tokens: 1_000_005 } }));
    const { key, id } = await gateway.createKey({ name: 'absurd', credits: '0.01' });
    const client = gateway.client(key);
    // Hold: 8 prompt tokens (the bound of "hi") × $10/1M + 10 output tokens × $30/1M = $0.000380.
    const plain = await client.chat.completions
      .create({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 })
      .withResponse();
    expect(plain.response.headers.get('x-llamagate-cost')).toBe('0.000760');
    const stream = await client.chat.completions.create({
      model: 'mock-1',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 10,
      stream: true,
      stream_options: { include_usage: true },
    });
    for await (const _ of stream) {
      // drained
    }
    await gateway.flush();
    expect(await balanceOf(id)).toBe(10_000 - 2 * 760);

    const records = await gateway.admin<{ data: Record<string, unknown>[] }>(
      'GET',
      `/admin/usage/records?key_id=${id}`,
    );
    expect(records.body.data).toHaveLength(2);
    for (const row of records.body.data) {
      expect(row).toMatchObject({
        prompt_tokens: 5,
        completion_tokens: 1_000_000,
        cost: '0.00076',
        reported_cost: '30.00005',
        backend: 'local',
      });
    }
    const backends = await gateway.admin<{ backends: Record<string, unknown>[] }>('GET', '/admin/backends');
    const local = backends.body.backends.find((backend) => backend.name === 'local');
    expect(local?.usageAnomalies).toBe(2);
    expect(local?.lastUsageAnomaly).toMatchObject({
      model: 'mock-1',
      promptTokens: 5,
      completionTokens: 1_000_000,
      allowedCompletionTokens: 10,
    });
    const warning = gateway.billingLogs.find((line) => String(line.msg).startsWith('upstream reported more usage'));
    expect(warning).toMatchObject({
      backend: 'local',
      keyId: id,
      hold: 380,
      charged: 760,
      reportedCost: 30_000_050,
      capped: true,
      completionTokens: 1_000_000,
      allowedCompletionTokens: 10,
    });
    expect(warning?.requestId).toBe(records.body.data[1]?.request_id);
    expect(String(local?.lastUsageAnomaly && (local.lastUsageAnomaly as { requestId: string }).requestId)).toBe(
      records.body.data[0]?.request_id,
    );
  });

  it('charges in full what stays within the bound, and still flags more completion tokens than max_tokens', async () => {
    upstream.handle(answerWith({ usage: { prompt_tokens: 5, completion_tokens: 150, total_tokens: 155 } }));
    const anomalies = async () =>
      (await gateway.admin<{ backends: Record<string, unknown>[] }>('GET', '/admin/backends')).body.backends.find(
        (backend) => backend.name === 'local',
      )?.usageAnomalies as number;
    const before = await anomalies();
    const { key, id } = await gateway.createKey({ name: 'over-max-tokens', credits: 1 });
    const answer = await gateway
      .client(key)
      .chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 })
      .withResponse();
    // Hold $0.00308; 5 × $10/1M + 150 × $30/1M = $0.00455 is within twice the hold, so it is charged in full.
    expect(answer.response.headers.get('x-llamagate-cost')).toBe('0.004550');
    expect(await balanceOf(id)).toBe(1_000_000 - 4_550);
    expect(await anomalies()).toBe(before + 1);
    await gateway.flush();
    const rows = await gateway.admin<{ data: Record<string, unknown>[] }>('GET', `/admin/usage/records?key_id=${id}`);
    expect(rows.body.data[0]).toMatchObject({ completion_tokens: 150, cost: '0.00455', reported_cost: null });
  });

  it('charges in full what stays within the hold', async () => {
    const { key, id } = await gateway.createKey({ name: 'honest', credits: 1 });
    const answer = await gateway
      .client(key)
      .chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 })
      .withResponse();
    // 100 prompt × $10/1M + 50 completion × $30/1M.
    expect(answer.response.headers.get('x-llamagate-cost')).toBe('0.002500');
    expect(await balanceOf(id)).toBe(1_000_000 - 2_500);
  });

  it('prices an alias, a pool and a named route by the model they serve; an alias with its own price keeps it', async () => {
    const { key, id } = await gateway.createKey({ name: 'aliases', credits: 1 });
    const client = gateway.client(key);
    const costs: Record<string, string | null> = {};
    for (const model of ['fast', 'mockpool', 'premium', 'vip', 'mock-1']) {
      const answer = await client.chat.completions
        .create({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 })
        .withResponse();
      costs[model] = answer.response.headers.get('x-llamagate-cost');
    }
    expect(costs).toEqual({
      fast: '0.002500',
      mockpool: '0.002500',
      premium: '0.002500',
      vip: '0.000150',
      'mock-1': '0.002500',
    });
    expect(upstream.requests.map((request) => (request.body as { model: string }).model)).toEqual([
      'mock-1',
      'mock-9',
      'mock-9',
      'mock-1',
      'mock-1',
    ]);
    expect(await balanceOf(id)).toBe(1_000_000 - 4 * 2_500 - 150);
    const listed = await gateway.admin<{ data: { id: string; pricing?: { input: string; output: string } }[] }>(
      'GET',
      '/v1/models',
    );
    const pricing = Object.fromEntries(
      listed.body.data.filter((model) => ['fast', 'vip'].includes(model.id)).map((model) => [model.id, model.pricing]),
    );
    expect(pricing).toEqual({
      fast: { input: '10.00', output: '30.00', unit: 'USD per 1M tokens' },
      vip: { input: '1.00', output: '1.00', unit: 'USD per 1M tokens' },
    });
  });

  it('keys the ledger by its own id: five requests sharing an X-Request-ID are five rows and five charges', async () => {
    const first = await gateway.createKey({ name: 'tenant-a', credits: 1 });
    const second = await gateway.createKey({ name: 'tenant-b', credits: 1 });
    const send = (key: string) =>
      gateway
        .client(key)
        .chat.completions.create(
          { model: 'mock-1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 },
          { headers: { 'x-request-id': 'shared-id' } },
        )
        .withResponse();
    const answers = [];
    for (let index = 0; index < 5; index++) answers.push(await send(first.key));
    expect(answers.map((answer) => answer.response.headers.get('x-request-id'))).toEqual(Array(5).fill('shared-id'));
    const own = answers.map((answer) => answer.response.headers.get('x-llamagate-request-id'));
    expect(new Set(own).size).toBe(5);
    await send(second.key);
    await gateway.flush();

    expect(await balanceOf(first.id)).toBe(1_000_000 - 5 * 2_500);
    const charges = (await gateway.billing.storage.keys.creditHistory(first.id)).filter(
      (entry) => entry.kind === 'usage',
    );
    expect(charges.map((entry) => entry.requestId).sort()).toEqual([...own].sort());
    const rows = await gateway.admin<{ data: Record<string, unknown>[] }>(
      'GET',
      `/admin/usage/records?key_id=${first.id}&client_request_id=shared-id`,
    );
    expect(rows.body.data.map((row) => row.request_id).sort()).toEqual([...own].sort());
    expect(rows.body.data.map((row) => row.client_request_id)).toEqual(Array(5).fill('shared-id'));
    const everyone = await gateway.admin<{ data: Record<string, unknown>[] }>(
      'GET',
      '/admin/usage/records?client_request_id=shared-id',
    );
    expect(everyone.body.data.map((row) => row.key_id).sort()).toEqual([...Array(5).fill(first.id), second.id].sort());
    const usage = await (
      await fetch(`${gateway.url}/v1/usage`, { headers: { authorization: `Bearer ${first.key}` } })
    ).json();
    expect((usage as { total: { requests: number } }).total.requests).toBe(5);
  });
}
