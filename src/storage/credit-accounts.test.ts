/**
 * Credit holds off the database: in memory on SQLite (LocalCreditAccounts), in Redis for processes sharing
 * Postgres (RedisCreditAccounts). A charge lands in the key's row with its usage row, once; another process's
 * credit change or revoke applies within the refresh interval; two processes never overdraw one key together.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { CreditCharge } from './credit-accounts.js';
import { openStorage, type Storage } from './index.js';
import type { RedisCounterStore } from './redis/redis-counter-store.js';
import { CREDIT_SETTLE } from './redis/redis-credit-scripts.js';
import { chargedUsageRecord } from './testing/charged-usage-record.js';
import { dropServiceState } from './testing/service-cleanup.js';
import { describeWithServices } from './testing/service-env.js';

const REFRESH_MS = 50;

/** Holds `amount` and settles it at `cost`; returns the charge to write with the usage row. */
async function spend(storage: Storage, keyId: string, amount: number, cost: number): Promise<CreditCharge> {
  const held = await storage.credits.reserve(keyId, amount);
  if (!held.ok) throw new Error(`hold refused: ${held.reason}`);
  const settled = await storage.credits.settle(held.reservation.id, cost, { reason: 'm' });
  if (settled.charge === undefined) throw new Error('no deferred charge');
  return settled.charge;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('credit holds in memory on SQLite', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lg-credits-'));
  const open = () => openStorage({ dataDir, creditRefreshMs: REFRESH_MS, usageWriter: { flushIntervalMs: 60_000 } });

  it('holds only what the key can pay, and a charge lands in the row with its usage row, once', async () => {
    const storage = await open();
    try {
      expect([storage.credits.deferred, storage.credits.leased]).toEqual([true, false]);
      const { key } = await storage.keys.create({ name: 'k', credits: 1000 });
      const first = await storage.credits.reserve(key.id, 600);
      expect(await storage.credits.reserve(key.id, 600)).toEqual({
        ok: false,
        reason: 'insufficient_credits',
        available: 400,
      });
      if (!first.ok) throw new Error('refused');
      const settled = await storage.credits.settle(first.reservation.id, 500, { reason: 'm' });
      expect(settled).toMatchObject({ settled: true, charged: 500, balance: 500, charge: { amount: 500 } });
      // Settling twice charges nothing.
      expect(await storage.credits.settle(first.reservation.id, 500)).toEqual({ settled: false, charged: 0 });

      const row = chargedUsageRecord('req_1', key.id, settled.charge);
      storage.usageWriter.write(row);
      const stored = await storage.keys.getById(key.id);
      if (stored === undefined) throw new Error('gone');
      expect([stored.balance, (await storage.credits.current(stored)).balance]).toEqual([1000, 500]);
      await storage.usageWriter.flush();
      expect(await storage.keys.getById(key.id)).toMatchObject({ balance: 500, totalSpent: 500, reserved: 0 });
      // A replayed batch inserts no row, so it charges nothing either.
      expect(await storage.usage.append([row])).toBe(0);
      expect(await storage.keys.getById(key.id)).toMatchObject({ balance: 500, totalSpent: 500 });
      const history = await storage.keys.creditHistory(key.id);
      expect(history.map((entry) => [entry.kind, entry.delta, entry.balanceAfter, entry.requestId])).toEqual([
        ['usage', -500, 500, 'req_1'],
        ['add', 1000, 1000, null],
      ]);
    } finally {
      await storage.close();
    }
  });

  it('applies another process’s credit change and revoke within the refresh interval', async () => {
    const gateway = await open();
    const cli = await open();
    try {
      const { key } = await gateway.keys.create({ name: 'k', credits: 100 });
      await gateway.usageWriter.flush();
      expect(await gateway.credits.reserve(key.id, 150)).toMatchObject({ ok: false, reason: 'insufficient_credits' });
      await cli.keys.addCredits(key.id, 100, 'top-up');
      await sleep(3 * REFRESH_MS);
      expect(await gateway.credits.reserve(key.id, 150)).toMatchObject({ ok: true });
      await cli.keys.revoke(key.id);
      await sleep(3 * REFRESH_MS);
      expect(await gateway.credits.reserve(key.id, 1)).toEqual({ ok: false, reason: 'revoked', available: 0 });
    } finally {
      await Promise.all([gateway.close(), cli.close()]);
    }
  });

  it('keeps a charge written before a restart, not the holds that died with the process', async () => {
    const before = await open();
    const { key } = await before.keys.create({ name: 'k', credits: 1000 });
    before.usageWriter.write(chargedUsageRecord('req_restart', key.id, await spend(before, key.id, 300, 250)));
    expect(await before.credits.reserve(key.id, 700)).toMatchObject({ ok: true });
    // close() flushes the usage rows, and with them the charges; the open hold is not written anywhere.
    await before.close();
    const after = await open();
    try {
      expect(await after.keys.getById(key.id)).toMatchObject({ balance: 750, totalSpent: 250, reserved: 0 });
      expect(await after.credits.reserve(key.id, 750)).toMatchObject({ ok: true });
      expect(await after.credits.reserve(key.id, 1)).toMatchObject({ ok: false, reason: 'insufficient_credits' });
    } finally {
      await after.close();
    }
  });
});

describeWithServices(['DATABASE_URL', 'REDIS_URL'], 'credit holds in Redis across processes', (urls) => {
  const schema = `lg_test_credits_${randomBytes(6).toString('hex')}`;
  const redisKeyPrefix = `lgtest:credits:${randomBytes(6).toString('hex')}:`;
  // One Redis script per hold (`BILLING_CREDIT_LEASES=false`); leases are tested in redis/leased-credit-accounts.
  const open = () =>
    openStorage({
      databaseUrl: urls.DATABASE_URL,
      schema,
      redisUrl: urls.REDIS_URL,
      redisKeyPrefix,
      creditRefreshMs: REFRESH_MS,
      usageWriter: { flushIntervalMs: 60_000 },
      creditLeases: false,
    });

  afterAll(async () => {
    await dropServiceState({
      databaseUrl: urls.DATABASE_URL,
      schema,
      redisUrl: urls.REDIS_URL,
      redisKeyPrefix,
    });
  });

  it('never overdraws one key from two processes, and charges each settlement once with its row', async () => {
    const a = await open();
    const b = await open();
    try {
      expect([a.credits.deferred, a.credits.leased]).toEqual([true, true]);
      const { key } = await a.keys.create({ name: 'shared', credits: 1000 });
      const attempts = await Promise.all(
        Array.from({ length: 30 }, async (_, index) => {
          const storage = index % 2 === 0 ? a : b;
          const held = await storage.credits.reserve(key.id, 100);
          if (!held.ok) return held.reason;
          const settled = await storage.credits.settle(held.reservation.id, 100, { reason: 'm' });
          storage.usageWriter.write(chargedUsageRecord(`req_${index}`, key.id, settled.charge));
          return 'ok';
        }),
      );
      expect(attempts.filter((outcome) => outcome === 'ok')).toHaveLength(10);
      expect(new Set(attempts.filter((outcome) => outcome !== 'ok'))).toEqual(new Set(['insufficient_credits']));
      await Promise.all([a.usageWriter.flush(), b.usageWriter.flush()]);
      const stored = await a.keys.getById(key.id);
      if (stored === undefined) throw new Error('gone');
      expect(stored).toMatchObject({ balance: 0, totalSpent: 1000, reserved: 0 });
      expect(await b.credits.current(stored)).toMatchObject({ balance: 0, totalSpent: 1000, reserved: 0 });
      const history = await a.keys.creditHistory(key.id, { limit: 100 });
      const usage = history.filter((entry) => entry.kind === 'usage');
      expect([usage.length, Math.min(...usage.map((entry) => entry.balanceAfter))]).toEqual([10, 0]);
      expect(new Set(usage.map((entry) => entry.balanceAfter)).size).toBe(10);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('settles the holds of one key that end together in one script call, each once, with the spend exact', async () => {
    const storage = await open();
    try {
      const { key } = await storage.keys.create({ name: 'busy', credits: 10_000 });
      const holds = await Promise.all(Array.from({ length: 20 }, () => storage.credits.reserve(key.id, 100)));
      const ids = holds.map((held) => {
        if (!held.ok) throw new Error(`hold refused: ${held.reason}`);
        return held.reservation.id;
      });
      const counters = storage.counters as RedisCounterStore;
      const shared = vi.spyOn(counters, 'shared');
      try {
        const settled = await Promise.all(ids.map((id, index) => storage.credits.settle(id, index + 1)));
        // The first goes at once; the other 19, waiting for it, go together in the second call.
        expect(shared.mock.calls.map(([script, _keys, args]) => [script === CREDIT_SETTLE, args.length / 3])).toEqual([
          [true, 1],
          [true, 19],
        ]);
        expect(settled.map((settlement) => [settlement.settled, settlement.charged])).toEqual(
          ids.map((_id, index) => [true, index + 1]),
        );
        // A settlement's balance is the key's after its whole call; the last one's is exact.
        expect(settled.at(-1)?.balance).toBe(10_000 - 210);
        expect(await storage.credits.settle(ids[0] as string, 5)).toEqual({ settled: false, charged: 0 });
      } finally {
        shared.mockRestore();
      }
      const stored = await storage.keys.getById(key.id);
      if (stored === undefined) throw new Error('gone');
      expect(await storage.credits.current(stored)).toMatchObject({
        balance: 10_000 - 210,
        reserved: 0,
        totalSpent: 210,
      });
    } finally {
      await storage.close();
    }
  });

  it('drops a dead process’s expired hold at the next reservation on the key', async () => {
    const dead = await open();
    const alive = await open();
    try {
      const { key } = await alive.keys.create({ name: 'orphan', credits: 1000 });
      expect(await dead.credits.reserve(key.id, 1000, { ttlMs: 50 })).toMatchObject({ ok: true });
      expect(await alive.credits.reserve(key.id, 1000)).toMatchObject({ ok: false, reason: 'insufficient_credits' });
      await sleep(100);
      expect(await alive.credits.reserve(key.id, 1000)).toMatchObject({ ok: true });
    } finally {
      await Promise.all([dead.close(), alive.close()]);
    }
  });

  it('applies a credit change made in Postgres within the refresh interval', async () => {
    const gateway = await open();
    const cli = await open();
    try {
      const { key } = await gateway.keys.create({ name: 'topped', credits: 100 });
      expect(await gateway.credits.reserve(key.id, 150)).toMatchObject({ ok: false, reason: 'insufficient_credits' });
      await cli.keys.addCredits(key.id, 100, 'top-up');
      await sleep(3 * REFRESH_MS);
      expect(await gateway.credits.reserve(key.id, 150)).toMatchObject({ ok: true });
    } finally {
      await Promise.all([gateway.close(), cli.close()]);
    }
  });
});
