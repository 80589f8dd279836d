import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { StorageLogger } from '../storage-logger.js';
import { describeCounterStoreContract } from '../testing/counter-store-contract.js';
import { deleteRedisKeys } from '../testing/service-cleanup.js';
import { describeWithService } from '../testing/service-env.js';
import { RedisCounterStore, type RedisCounterStoreOptions } from './redis-counter-store.js';

function recordingLogger(): StorageLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, error() {}, warn: (_details, message) => warnings.push(message) };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A TCP proxy to Redis that can stop passing bytes (a hung network), then resume. */
async function freezableProxy(target: URL) {
  const sockets: Socket[] = [];
  let frozen = false;
  const server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port || 6379), target.hostname);
    sockets.push(client, upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    if (frozen) client.pause();
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  const port = await listen(server);
  return {
    url: `redis://127.0.0.1:${port}`,
    freeze() {
      frozen = true;
      for (const socket of sockets) socket.pause();
    },
    thaw() {
      frozen = false;
      for (const socket of sockets) socket.resume();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describeWithService('REDIS_URL', 'redis counters', (url) => {
  const prefixes: string[] = [];
  const stores: RedisCounterStore[] = [];
  const open = async (options: Partial<RedisCounterStoreOptions> = {}) => {
    const keyPrefix = options.keyPrefix ?? `lgtest:${randomBytes(6).toString('hex')}:`;
    prefixes.push(keyPrefix);
    const store = await RedisCounterStore.connect({ url, keyPrefix, ...options });
    stores.push(store);
    return store;
  };

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    for (const prefix of prefixes.splice(0)) await deleteRedisKeys(url, prefix);
  });

  describeCounterStoreContract('redis', async ({ now }) => {
    const counters = await open({ now });
    expect(counters.connected).toBe(true);
    return { counters, cleanup: async () => {} };
  });

  it('shares one rpm limit between two clients (two processes)', async () => {
    const keyPrefix = `lgtest:${randomBytes(6).toString('hex')}:`;
    const one = await open({ keyPrefix });
    const two = await open({ keyPrefix });
    const decisions = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? one : two).consume('key_shared', { rpm: 10 })),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(one.stats.fallbacks + two.stats.fallbacks).toBe(0);
    const slots = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? one : two).acquireSlot('key_p', 3)));
    expect(slots.filter((slot) => slot?.backend === 'redis')).toHaveLength(3);
  });

  it('delivers an invalidation published by another client within a second', async () => {
    const keyPrefix = `lgtest:${randomBytes(6).toString('hex')}:`;
    const subscriber = await open({ keyPrefix });
    const publisher = await open({ keyPrefix });
    const started = Date.now();
    const received = new Promise<string>((resolve) => {
      void subscriber.subscribeInvalidations(resolve).then(() => publisher.publishInvalidation('key_42'));
    });
    expect(await received).toBe('key_42');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('falls back to local limits within the command timeout when Redis hangs, and recovers', async () => {
    const proxy = await freezableProxy(new URL(url));
    const logger = recordingLogger();
    const store = await open({ url: proxy.url, logger, commandTimeoutMs: 200 });
    expect((await store.consume('key_h', { rpm: 2 })).allowed).toBe(true);
    expect(store.stats.fallbacks).toBe(0);

    proxy.freeze();
    const started = Date.now();
    const decision = await store.consume('key_h', { rpm: 2 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(decision.allowed).toBe(true);
    expect(store.stats.fallbacks).toBe(1);
    expect(logger.warnings.length).toBeGreaterThan(0);
    // The local window has its own count: two allowed locally, then refused.
    expect((await store.consume('key_h', { rpm: 2 })).allowed).toBe(true);
    expect((await store.consume('key_h', { rpm: 2 })).allowed).toBe(false);

    proxy.thaw();
    // Back on Redis (the timed-out commands may still have run there, so use a fresh subject).
    expect((await store.consume('key_after', { rpm: 1 })).allowed).toBe(true);
    expect((await store.consume('key_after', { rpm: 1 })).allowed).toBe(false);
    expect(store.stats.fallbacks).toBe(3);
    await store.close();
    await proxy.close();
  });
});

describe('redis counters during an outage', () => {
  it('degrades to local limits at once when nothing listens, without hanging', async () => {
    const logger = recordingLogger();
    const started = Date.now();
    const store = await RedisCounterStore.connect({
      url: `redis://127.0.0.1:${await closedPort()}`,
      logger,
      connectTimeoutMs: 300,
    });
    expect(store.connected).toBe(false);
    expect((await store.consume('key_o', { rpm: 1 })).allowed).toBe(true);
    expect((await store.consume('key_o', { rpm: 1 })).allowed).toBe(false);
    await store.addTokens('key_o', 10);
    const lease = await store.acquireSlot('key_o', 1);
    expect(lease).toMatchObject({ backend: 'local' });
    expect(await store.acquireSlot('key_o', 1)).toBeNull();
    if (lease !== null) await store.releaseSlot(lease);
    expect(await store.acquireSlot('key_o', 1)).not.toBeNull();

    const seen: string[] = [];
    await store.subscribeInvalidations((keyId) => seen.push(keyId));
    await store.publishInvalidation('key_o');
    expect(seen).toEqual(['key_o']);

    expect(Date.now() - started).toBeLessThan(3000);
    expect(store.stats.fallbacks).toBeGreaterThanOrEqual(6);
    expect(logger.warnings[0]).toContain('redis unavailable');
    await store.close();
  });

  it('gives up connecting to a server that never answers after the connect timeout', async () => {
    const sockets: Socket[] = [];
    const blackHole = createServer((socket) => sockets.push(socket));
    const port = await listen(blackHole);
    const started = Date.now();
    const store = await RedisCounterStore.connect({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300 });
    expect((await store.consume('key_b', { rpm: 5 })).allowed).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    await store.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => blackHole.close(resolve));
  });
});
