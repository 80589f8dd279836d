import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDollars } from '../pricing/money.js';
import { PriceTable } from '../pricing/prices.js';
import { hashApiKey, openStorage, type Storage } from './index.js';
import { deleteRedisKeys, dropSchema } from './testing/service-cleanup.js';
import { describeWithService } from './testing/service-env.js';
import { usageRecord } from './testing/usage-ledger-contract.js';

/** One request's way through storage, as the server will drive it. */
async function exerciseRequestFlow(storage: Storage): Promise<void> {
  const prices = PriceTable.fromConfig();
  const { key, plaintext } = await storage.keys.create({ name: 'flow', credits: parseDollars('1'), rpm: 2 });
  const found = await storage.keys.getByPlaintext(plaintext);
  expect(found?.id).toBe(key.id);
  expect((await storage.counters.consume(key.id, { rpm: found?.rpm })).allowed).toBe(true);
  const bound = prices.maxCost('gpt-4o-mini', { promptTokens: 1000, maxOutputTokens: 1000 });
  const held = await storage.keys.reserve(key.id, bound.cost, { requestId: 'req-flow' });
  if (!held.ok) throw new Error(`reserve refused: ${held.reason}`);
  const usage = { promptTokens: 1000, completionTokens: 200 };
  const { cost } = prices.cost('gpt-4o-mini', usage);
  expect(await storage.keys.settle(held.reservation.id, cost)).toMatchObject({ settled: true, charged: 270 });
  storage.usageWriter.write(usageRecord({ requestId: 'req-flow', keyId: key.id, cost, ...usage }));
  await storage.usageWriter.flush();
  expect((await storage.usage.summarize({ keyId: key.id }))[0]).toMatchObject({ requests: 1, cost: 270 });
  expect((await storage.keys.getById(key.id))?.balance).toBe(1_000_000 - 270);
}

describe('openStorage', () => {
  it('uses memory without a data dir or URLs', async () => {
    const storage = await openStorage();
    expect(storage.backends).toEqual({ database: 'memory', counters: 'memory' });
    await exerciseRequestFlow(storage);
    await storage.close();
    await storage.close();
  });

  it('uses SQLite under the data dir, with the key pepper, and flushes usage on close', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lg-open-'));
    try {
      const storage = await openStorage({ dataDir, keyPepper: 'pepper' });
      expect(storage.backends).toEqual({ database: 'sqlite', counters: 'memory' });
      expect(existsSync(join(dataDir, 'llamagate.db'))).toBe(true);
      await exerciseRequestFlow(storage);
      const { key, plaintext } = await storage.keys.create({ name: 'peppered' });
      expect(key.hash).toBe(hashApiKey(plaintext, 'pepper'));
      storage.usageWriter.write(usageRecord({ requestId: 'at-close' }));
      await storage.close();

      const reopened = await openStorage({ dataDir, keyPepper: 'pepper' });
      expect((await reopened.keys.getByPlaintext(plaintext))?.id).toBe(key.id);
      expect((await reopened.usage.list()).map((r) => r.requestId)).toContain('at-close');
      await reopened.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describeWithService('DATABASE_URL', 'openStorage on Postgres', (databaseUrl) => {
  it('uses Postgres when a database URL is given', async () => {
    const schema = `lg_test_${randomBytes(6).toString('hex')}`;
    try {
      const storage = await openStorage({ databaseUrl, schema, dataDir: '/nonexistent' });
      expect(storage.backends.database).toBe('postgres');
      await exerciseRequestFlow(storage);
      await storage.close();
    } finally {
      await dropSchema(databaseUrl, schema);
    }
  });
});

describeWithService('REDIS_URL', 'openStorage with Redis', (redisUrl) => {
  it('uses Redis counters when a Redis URL is given', async () => {
    const redisKeyPrefix = `lgtest:${randomBytes(6).toString('hex')}:`;
    try {
      const storage = await openStorage({ redisUrl, redisKeyPrefix });
      expect(storage.backends).toEqual({ database: 'memory', counters: 'redis' });
      await exerciseRequestFlow(storage);
      await storage.close();
    } finally {
      await deleteRedisKeys(redisUrl, redisKeyPrefix);
    }
  });
});
