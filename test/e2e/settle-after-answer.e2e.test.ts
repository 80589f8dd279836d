/**
 * Decision 0022, end to end on Postgres + Redis with the official openai client and one Redis script per hold
 * (`BILLING_CREDIT_LEASES=false`): a non-streamed answer leaves before its credit hold is settled. A TCP relay in front of the real Redis stops forwarding the gateway's
 * commands while the upstream answers, so the settlement cannot reach Redis until the test lets it; the answer
 * must arrive anyway, with its cost and the balance after it in the headers, and the charge must land once the
 * relay flows again.
 */

import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dropServiceState } from '../../src/storage/testing/service-cleanup.js';
import { describeWithServices } from '../../src/storage/testing/service-env.js';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith, type BillingGateway, startBillingGateway, writeGatewayConfig } from './billing-harness.js';

/** Forwards TCP both ways; while paused, what clients send waits here (in order) instead of reaching Redis. */
class PausableRelay {
  readonly server: Server;
  readonly #sockets = new Set<Socket>();
  #paused = false;
  readonly #waiting: (() => void)[] = [];
  /** Bytes sent by clients while paused. */
  heldBytes = 0;

  constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => {
      const upstream = createConnection(target);
      this.#sockets.add(client).add(upstream);
      client.on('data', (chunk: Buffer) => {
        if (!this.#paused) upstream.write(chunk);
        else {
          this.heldBytes += chunk.length;
          this.#waiting.push(() => upstream.write(chunk));
        }
      });
      upstream.on('data', (chunk: Buffer) => client.write(chunk));
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', close).on('error', close);
      upstream.on('close', close).on('error', close);
    });
  }

  get url(): string {
    const address = this.server.address();
    if (address === null || typeof address === 'string') throw new Error('relay is not listening');
    return `redis://127.0.0.1:${address.port}`;
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    for (const forward of this.#waiting.splice(0)) forward();
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.server.close();
  }
}

describeWithServices(['DATABASE_URL', 'REDIS_URL'], 'a non-streamed answer before its settlement', (urls) => {
  const suffix = Math.random().toString(36).slice(2, 10);
  const schema = `lg_test_settle_${suffix}`;
  let upstream: MockUpstream;
  let relay: PausableRelay;
  let gateway: BillingGateway;

  beforeAll(async () => {
    const redis = new URL(urls.REDIS_URL);
    relay = new PausableRelay({ host: redis.hostname, port: Number(redis.port || 6379) });
    relay.server.listen(0, '127.0.0.1');
    await once(relay.server, 'listening');
    upstream = await startMockUpstream();
    gateway = await startBillingGateway({
      env: {
        LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-settle-')),
        DATABASE_URL: urls.DATABASE_URL,
        DATABASE_SCHEMA: schema,
        REDIS_URL: relay.url,
        REDIS_KEY_PREFIX: `lgtest:${suffix}:`,
        CACHE_ENABLED: 'false',
        // A settlement per hold (with leases a settlement takes no round trip at all).
        BILLING_CREDIT_LEASES: 'false',
      },
      configFile: writeGatewayConfig(upstream.url),
    });
  });
  afterAll(async () => {
    relay?.resume();
    await gateway?.close();
    await upstream?.close();
    await relay?.close();
    await dropServiceState({
      databaseUrl: urls.DATABASE_URL,
      schema,
      redisUrl: urls.REDIS_URL,
      redisKeyPrefix: `lgtest:${suffix}:`,
    });
  });

  it('answers while the settlement waits for Redis, then charges exactly once it gets through', async () => {
    const { key, id } = await gateway.createKey({ name: 'settle-later', credits: 1 });
    const answer = answerWith();
    // The hold is taken before the upstream is called; from here on nothing the gateway sends reaches Redis.
    upstream.handle(async (request, response) => {
      relay.pause();
      await answer(request, response);
    });
    // Should the answer wait for the settlement, this lets it through after 5 s, and the test fails on time.
    const valve = globalThis.setTimeout(() => relay.resume(), 5_000);
    const started = performance.now();
    const result = await gateway
      .client(key)
      .chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    const waited = performance.now() - started;
    clearTimeout(valve);
    expect(waited).toBeLessThan(4_000);
    // 100 prompt × $10/1M + 50 completion × $30/1M, against $1 of credits.
    expect(result.response.headers.get('x-llamagate-cost')).toBe('0.002500');
    expect(result.response.headers.get('x-llamagate-credits-remaining')).toBe('0.997500');
    // The settlement goes out after the answer, and waits in the relay.
    for (let tries = 0; relay.heldBytes === 0 && tries < 200; tries++) await setTimeout(10);
    expect(relay.heldBytes).toBeGreaterThan(0);
    let settled = false;
    const idle = gateway.billing.whenIdle().then(() => {
      settled = true;
    });
    await setTimeout(50);
    expect(settled).toBe(false);
    relay.resume();
    await idle;

    await gateway.flush();
    const stored = await gateway.billing.storage.keys.getById(id);
    expect({ balance: stored?.balance, reserved: stored?.reserved }).toEqual({ balance: 997_500, reserved: 0 });
    const credits = await fetch(`${gateway.url}/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await credits.json()) as { balance: string }).balance).toBe('0.9975');
    const rows = await gateway.admin<{ data: Record<string, unknown>[] }>('GET', `/admin/usage/records?key_id=${id}`);
    expect(rows.body.data.map((row) => row.cost)).toEqual(['0.0025']);
  });
});
