/**
 * Two real gateway processes (`llamagate serve`) on different ports sharing Postgres and Redis, one mock
 * upstream: the global rpm limit and the credit balance hold across both, nothing is charged twice, every
 * request has exactly one ledger row, a revoke in one process takes effect in the other within a second,
 * and a graceful stop flushes the usage still buffered.
 */

import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { dropServiceState } from '../../src/storage/testing/service-cleanup.js';
import { describeWithServices } from '../../src/storage/testing/service-env.js';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith, MASTER_KEY, waitFor, writeGatewayConfig } from './billing-harness.js';
import { type GatewayProcess, spawnGateway } from './gateway-process.js';

describeWithServices(['DATABASE_URL', 'REDIS_URL'], 'two gateway processes sharing Postgres and Redis', (urls) =>
  multiProcessSuite(urls.DATABASE_URL, urls.REDIS_URL),
);

/** Sends a chat completion with a chosen request id; resolves with the HTTP status. */
async function post(url: string, key: string, requestId: string): Promise<number> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100 }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function createKey(url: string, body: Record<string, unknown>): Promise<{ key: string; id: string }> {
  const response = await fetch(`${url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { key: string; id: string };
}

/** Sliding windows blend in the previous minute: keep a burst inside one minute so the limit is exact. */
async function awayFromMinuteBoundary(): Promise<void> {
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 50_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 200));
}

function multiProcessSuite(databaseUrl: string, redisUrl: string) {
  const suffix = Math.random().toString(36).slice(2, 10);
  const schema = `lg_test_mp_${suffix}`;
  let upstream: MockUpstream;
  let storage: Storage;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let configFile: string;
  const env = {
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `lgtest:mp:${suffix}:`,
    LLAMAGATE_MASTER_KEY: MASTER_KEY,
    RATE_LIMIT_RPS: '100000',
    CACHE_ENABLED: 'false',
    // Long enough that only the Redis invalidation can explain a revoke taking effect within a second.
    KEY_CACHE_TTL: '60s',
    // Under a loaded test run a Redis round trip can pass the 250 ms default, and the fallback to per-process
    // limits would then (correctly) let more through than the global limit this suite asserts.
    REDIS_COMMAND_TIMEOUT: '5s',
    HOST: '127.0.0.1',
    PORT: '0',
  };

  beforeAll(async () => {
    upstream = await startMockUpstream(answerWith({ delayMs: 30 }));
    configFile = writeGatewayConfig(upstream.url);
    // Migrate once before the processes start, so they do not race on creating the schema.
    storage = await openStorage({ databaseUrl, schema, redisUrl, redisKeyPrefix: env.REDIS_KEY_PREFIX });
    [a, b] = await Promise.all([spawnGateway(configFile, env), spawnGateway(configFile, env)]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await storage?.close();
    await upstream?.close();
    await dropServiceState({
      databaseUrl,
      schema,
      redisUrl,
      redisKeyPrefix: env.REDIS_KEY_PREFIX,
    });
  }, 30_000);

  it('holds a global rpm limit across both processes and charges each success once', async () => {
    const { key, id } = await createKey(a.url, { name: 'rpm-shared', credits: 10, rpm: 20 });
    await awayFromMinuteBoundary();
    const ids = Array.from({ length: 40 }, (_, index) => `mp-rpm-${suffix}-${index}`);
    const statuses = await Promise.all(ids.map((requestId, index) => post(index % 2 ? a.url : b.url, key, requestId)));
    expect(statuses.filter((status) => status === 200)).toHaveLength(20);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);

    // Each charge lands in the key's row with its usage row (batched): every row first, then the money.
    await waitFor(async () => ((await storage.usage.list({ keyId: id, limit: 1000 })).length >= 40 ? true : undefined));
    const after = await storage.keys.getById(id);
    expect(after).toMatchObject({ balance: 10_000_000 - 20 * 2500, reserved: 0, totalSpent: 20 * 2500 });
    const charges = (await storage.keys.creditHistory(id)).filter((entry) => entry.kind === 'usage');
    expect(charges).toHaveLength(20);
    expect(new Set(charges.map((entry) => entry.requestId)).size).toBe(20);

    const rows = await waitFor(async () => {
      const listed = await storage.usage.list({ keyId: id, limit: 1000 });
      return listed.length >= 40 ? listed : undefined;
    });
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((row) => row.clientRequestId))).toEqual(new Set(ids));
    expect(
      rows
        .filter((row) => row.cost > 0)
        .map((row) => row.requestId)
        .sort(),
    ).toEqual(charges.map((entry) => entry.requestId).sort());
  }, 90_000);

  it('never lets the balance go below zero when both processes race for the last credits', async () => {
    // A request holds $0.00308 and costs $0.0025: $0.05 fits 16 holds at once and pays for 20 requests at most.
    const { key, id } = await createKey(a.url, { name: 'balance-shared', credits: '0.05' });
    const ids = Array.from({ length: 40 }, (_, index) => `mp-bal-${suffix}-${index}`);
    const statuses = await Promise.all(ids.map((requestId, index) => post(index % 2 ? a.url : b.url, key, requestId)));
    const ok = statuses.filter((status) => status === 200).length;
    expect(statuses.filter((status) => status !== 200 && status !== 402)).toEqual([]);
    expect(ok).toBeGreaterThanOrEqual(16);
    expect(ok).toBeLessThanOrEqual(20);
    // Each charge lands in the key's row with its usage row (batched): every row first, then the money.
    await waitFor(async () => ((await storage.usage.list({ keyId: id, limit: 1000 })).length >= 40 ? true : undefined));
    const after = await storage.keys.getById(id);
    expect(after).toMatchObject({ balance: 50_000 - ok * 2500, reserved: 0 });
    expect(after?.balance).toBeGreaterThanOrEqual(0);
    const charges = (await storage.keys.creditHistory(id)).filter((entry) => entry.kind === 'usage');
    expect(charges).toHaveLength(ok);
    const rows = await waitFor(async () => {
      const listed = await storage.usage.list({ keyId: id, limit: 1000 });
      return listed.length >= 40 ? listed : undefined;
    });
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((row) => row.clientRequestId)).size).toBe(40);
  }, 60_000);

  it('a revoke through one process takes effect in the other within a second', async () => {
    const { key, id } = await createKey(a.url, { name: 'revoked-everywhere', credits: 1 });
    const probe = () => fetch(`${b.url}/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
    expect((await probe()).status).toBe(200); // b now holds the key in its cache (TTL 60 s)
    const revoked = await fetch(`${a.url}/admin/keys/${id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    expect(revoked.status).toBe(200);
    const started = Date.now();
    const status = await waitFor(async () => {
      const response = await probe();
      await response.arrayBuffer();
      return response.status === 401 ? response.status : undefined;
    }, 1000);
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a graceful stop flushes the usage rows still buffered', async () => {
    const { key, id } = await createKey(a.url, { name: 'flushed', credits: 1 });
    const ids = Array.from({ length: 6 }, (_, index) => `mp-flush-${suffix}-${index}`);
    const statuses = await Promise.all(ids.map((requestId, index) => post(index % 2 ? a.url : b.url, key, requestId)));
    expect(statuses).toEqual(ids.map(() => 200));
    // Stopped right away: the rows are still in each process's batch (flushed every second otherwise).
    expect((await Promise.all([a.stop(), b.stop()])).map((exit) => exit.code)).toEqual([0, 0]);
    const rows = await storage.usage.list({ keyId: id });
    expect(new Set(rows.map((row) => row.clientRequestId))).toEqual(new Set(ids));
  }, 30_000);
}
