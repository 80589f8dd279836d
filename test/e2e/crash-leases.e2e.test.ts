/**
 * A crash does not lock keys elsewhere: two real gateway processes share Postgres and Redis; one is SIGKILLed
 * while it streams on a key with `max_parallel: 1` and credit for one request at a time. Its parallel slot and
 * its credit hold or slice (both in Redis) stop being renewed, so the surviving process serves the key again
 * within a few seconds (BILLING_LEASE_TTL=2s here), not after 15 minutes. Run with and without credit leases.
 */

import type { ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../src/storage/index.js';
import { dropServiceState } from '../../src/storage/testing/service-cleanup.js';
import { describeWithServices } from '../../src/storage/testing/service-env.js';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith, chatChunks, MASTER_KEY, waitFor, writeGatewayConfig } from './billing-harness.js';
import { type GatewayProcess, spawnGateway } from './gateway-process.js';

describeWithServices(['DATABASE_URL', 'REDIS_URL'], 'leases of a killed gateway process', (urls) =>
  crashSuite(urls.DATABASE_URL, urls.REDIS_URL, false),
);
describeWithServices(['DATABASE_URL', 'REDIS_URL'], 'credit-lease slices of a killed gateway process', (urls) =>
  crashSuite(urls.DATABASE_URL, urls.REDIS_URL, true),
);

/** Streams `mock-slow` forever after its first chunk (until the connection closes); answers the rest normally. */
function slowStreams() {
  const normal = answerWith();
  return async (request: { path: string; body: unknown }, response: ServerResponse) => {
    const body = (request.body ?? {}) as { model?: string };
    if (body.model !== 'mock-slow') return normal(request, response);
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(`data: ${chatChunks('mock-slow', ['Hello'], null)[0]}\n\n`);
    await new Promise((resolve) => response.once('close', resolve));
  };
}

function chat(url: string, key: string, model: string, stream: boolean): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 100, stream }),
  });
}

/**
 * `creditLeases`: the processes hold credits through per-process slices (the default, decision 0025), where the
 * doomed process's slice is the whole $0.004; else one Redis hold per request ($0.00308).
 */
function crashSuite(databaseUrl: string, redisUrl: string, creditLeases: boolean) {
  const suffix = Math.random().toString(36).slice(2, 10);
  const schema = `lg_test_crash_${suffix}`;
  const env = {
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `lgtest:crash:${suffix}:`,
    LLAMAGATE_MASTER_KEY: MASTER_KEY,
    RATE_LIMIT_RPS: '100000',
    CACHE_ENABLED: 'false',
    BILLING_LEASE_TTL: '2s',
    BILLING_CREDIT_LEASES: String(creditLeases),
    HOST: '127.0.0.1',
    PORT: '0',
  };
  let upstream: MockUpstream;
  let storage: Storage;
  let doomed: GatewayProcess;
  let survivor: GatewayProcess;

  beforeAll(async () => {
    upstream = await startMockUpstream(slowStreams());
    const configFile = writeGatewayConfig(upstream.url);
    // Migrates once before the processes start; this process never sweeps holds (only the survivor may).
    storage = await openStorage({
      databaseUrl,
      schema,
      redisUrl,
      redisKeyPrefix: env.REDIS_KEY_PREFIX,
      reservationSweepMs: 0,
    });
    [doomed, survivor] = await Promise.all([spawnGateway(configFile, env), spawnGateway(configFile, env)]);
  }, 60_000);

  /** The expiry (epoch ms) of each of the key's credit holds, as Redis stores them. */
  async function holdExpiries(keyId: string): Promise<number[]> {
    const redis = new Redis(redisUrl);
    try {
      const members = await redis.zrange(`${env.REDIS_KEY_PREFIX}credit-expiry:{${keyId}}`, 0, -1, 'WITHSCORES');
      return members.filter((_, index) => index % 2 === 1).map(Number);
    } finally {
      redis.disconnect();
    }
  }
  /** The key as the gateway shows it: the row with Redis's holds and charges. */
  async function shown(keyId: string) {
    const stored = await storage.keys.getById(keyId);
    return stored === undefined ? undefined : storage.credits.current(stored);
  }

  afterAll(async () => {
    await Promise.all([doomed?.kill(), survivor?.stop()]);
    await storage?.close();
    await upstream?.close();
    await dropServiceState({
      databaseUrl,
      schema,
      redisUrl,
      redisKeyPrefix: env.REDIS_KEY_PREFIX,
    });
  }, 30_000);

  it('frees the slot and the hold of a SIGKILLed process within seconds', async () => {
    // A request holds $0.00308 (8 prompt tokens at $10/1M + 100 output at $30/1M): $0.004 fits one hold.
    const created = await fetch(`${survivor.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'crash', credits: '0.004', max_parallel: 1 }),
    });
    const { key, id } = (await created.json()) as { key: string; id: string };

    const streamedAt = Date.now();
    const inFlight = await chat(doomed.url, key, 'mock-slow', true);
    expect(inFlight.status).toBe(200);
    const reader = (inFlight.body as ReadableStream<Uint8Array>).getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('Hello');
    expect(await shown(id)).toMatchObject({ reserved: creditLeases ? 4000 : 3080 });

    // While the stream lives its hold is renewed past its first expiry, and the key stays busy everywhere.
    const renewed = await waitFor(async () => {
      const [expiresAt] = await holdExpiries(id);
      if (expiresAt === undefined) return undefined;
      return Date.now() > streamedAt + 2500 && expiresAt > streamedAt + 2500 ? expiresAt : undefined;
    }, 10_000);
    expect(renewed - streamedAt).toBeGreaterThan(2500);
    const busy = await chat(survivor.url, key, 'mock-1', false);
    expect(busy.status).toBe(429);
    await busy.arrayBuffer();

    await doomed.kill();
    await reader.read().catch(() => undefined);
    const killedAt = Date.now();
    const served = await waitFor(async () => {
      const response = await chat(survivor.url, key, 'mock-1', false);
      await response.arrayBuffer();
      return response.status === 200 ? Date.now() - killedAt : undefined;
    }, 10_000);
    expect(served).toBeLessThan(6000);
    // The dead stream's hold was released (not charged); the survivor's request was charged $0.0025: in Redis as
    // soon as its settlement lands, right after the answer (decision 0022), and in the key's row once its usage
    // row is written.
    const charged = await waitFor(async () => {
      const key = await shown(id);
      return key?.reserved === 0 ? key : undefined;
    });
    expect(charged).toMatchObject({ reserved: 0, balance: 4000 - 2500 });
    const stored = await waitFor(async () => {
      const key = await storage.keys.getById(id);
      return key?.totalSpent === 2500 ? key : undefined;
    });
    expect(stored).toMatchObject({ reserved: 0, balance: 4000 - 2500 });
  }, 60_000);
}
