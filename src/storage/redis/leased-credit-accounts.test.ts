/**
 * Credit leases (decision 0025) against real Postgres and Redis: holds inside a process's slice take no round
 * trip, processes together never overdraw a key or its budget, a process short of credit gets another's unused
 * slice, a charge reaches Redis once even when a call is sent again, and an idle or dead process's slice comes
 * back to the others.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, expect, it, vi } from 'vitest';
import { openStorage, type Storage } from '../index.js';
import { chargedUsageRecord } from '../testing/charged-usage-record.js';
import { dropServiceState } from '../testing/service-cleanup.js';
import { describeWithServices } from '../testing/service-env.js';
import { LeasedCreditAccounts } from './leased-credit-accounts.js';
import { RedisCounterStore } from './redis-counter-store.js';
import { CREDIT_LEASE } from './redis-credit-scripts.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithServices(['DATABASE_URL', 'REDIS_URL'], 'credit leases in Redis across processes', (urls) => {
  const schema = `lg_test_leases_${randomBytes(6).toString('hex')}`;
  const redisKeyPrefix = `lgtest:leases:${randomBytes(6).toString('hex')}:`;
  const open = (options: { creditLeases?: boolean; leaseTtlMs?: number } = {}) =>
    openStorage({
      databaseUrl: urls.DATABASE_URL,
      schema,
      redisUrl: urls.REDIS_URL,
      redisKeyPrefix,
      creditRefreshMs: 50,
      usageWriter: { flushIntervalMs: 60_000 },
      creditLeases: options.creditLeases ?? true,
      ...(options.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.leaseTtlMs }),
    });
  const leasesOf = (storage: Storage) => (storage.credits as LeasedCreditAccounts).leases;

  afterAll(async () => {
    await dropServiceState({
      databaseUrl: urls.DATABASE_URL,
      schema,
      redisUrl: urls.REDIS_URL,
      redisKeyPrefix,
    });
  });

  it('admits and settles inside its slice without a round trip; charges reach Redis before their rows', async () => {
    const storage = await open();
    try {
      expect(storage.credits).toBeInstanceOf(LeasedCreditAccounts);
      expect([storage.credits.deferred, storage.credits.leased]).toEqual([true, true]);
      const { key } = await storage.keys.create({ name: 'slice', credits: 10_000 });
      const counters = storage.counters as RedisCounterStore;
      const original = counters.shared.bind(counters);
      const originalAppend = storage.usage.append.bind(storage.usage);
      const shared = vi.spyOn(counters, 'shared');
      try {
        const first = await storage.credits.reserve(key.id, 100);
        if (!first.ok) throw new Error(first.reason);
        // The first hold takes a slice: its own amount and as much again.
        expect([shared.mock.calls.length, leasesOf(storage).get(key.id)]).toEqual([1, { size: 200, held: 100 }]);
        // Settling and the next hold inside the slice take no round trip either.
        const settled = await storage.credits.settle(first.reservation.id, 60, { reason: 'm' });
        expect(settled).toMatchObject({ settled: true, charged: 60, balance: 10_000 - 60, charge: { amount: 60 } });
        const second = await storage.credits.reserve(key.id, 100);
        expect([second.ok, shared.mock.calls.length]).toEqual([true, 1]);
        if (!second.ok) throw new Error(second.reason);
        expect(await storage.credits.release(second.reservation.id)).toBe(true);
        expect(await storage.credits.settle(first.reservation.id, 60)).toEqual({ settled: false, charged: 0 });
        // The charge reaches Redis just before the row that carries it reaches Postgres.
        const order: string[] = [];
        shared.mockImplementation(async (...args) => {
          order.push('redis');
          return original(...args);
        });
        const append = vi.spyOn(storage.usage, 'append');
        append.mockImplementation(async (records) => {
          order.push('postgres');
          return originalAppend(records);
        });
        storage.usageWriter.write(chargedUsageRecord('req_slice', key.id, settled.charge));
        await storage.usageWriter.flush();
        expect(order).toEqual(['redis', 'postgres']);
        expect(shared.mock.calls.every(([script]) => script === CREDIT_LEASE)).toBe(true);
        append.mockRestore();
      } finally {
        shared.mockRestore();
      }
      expect(await storage.keys.getById(key.id)).toMatchObject({ balance: 10_000 - 60, totalSpent: 60 });
      const stored = await storage.keys.getById(key.id);
      if (stored === undefined) throw new Error('gone');
      // The process's own slice counts as reserved only for its open holds (none here).
      expect(await storage.credits.current(stored)).toMatchObject({
        balance: 10_000 - 60,
        totalSpent: 60,
        reserved: 0,
      });
    } finally {
      await storage.close();
    }
  });

  it('never overdraws one key from two leased processes and one without leases, each charge once', async () => {
    const a = await open();
    const b = await open();
    const c = await open({ creditLeases: false });
    try {
      const { key } = await a.keys.create({ name: 'shared', credits: 1000 });
      const processes = [a, b, c];
      const attempts = await Promise.all(
        Array.from({ length: 30 }, async (_, index) => {
          const storage = processes[index % 3] as Storage;
          const held = await storage.credits.reserve(key.id, 100);
          if (!held.ok) return held.reason;
          const settled = await storage.credits.settle(held.reservation.id, 100, { reason: 'm' });
          storage.usageWriter.write(chargedUsageRecord(`req_${index}`, key.id, settled.charge));
          return 'ok';
        }),
      );
      const admitted = attempts.filter((outcome) => outcome === 'ok').length;
      expect(admitted).toBeGreaterThan(0);
      expect(admitted).toBeLessThanOrEqual(10);
      expect(new Set(attempts.filter((outcome) => outcome !== 'ok'))).toEqual(new Set(['insufficient_credits']));
      await Promise.all(processes.map((storage) => storage.usageWriter.flush()));
      const stored = await a.keys.getById(key.id);
      if (stored === undefined) throw new Error('gone');
      expect(stored).toMatchObject({ balance: 1000 - 100 * admitted, totalSpent: 100 * admitted });
      expect(await c.credits.current(stored)).toMatchObject({ balance: 1000 - 100 * admitted });
      // Once the leased processes give their slices back, the rest can be held, and not a micro-dollar more.
      await Promise.all([a.close(), b.close()]);
      const rest = 1000 - 100 * admitted;
      if (rest > 0) expect(await c.credits.reserve(key.id, rest)).toMatchObject({ ok: true });
      expect(await c.credits.reserve(key.id, 1)).toMatchObject({ ok: false, reason: 'insufficient_credits' });
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('presses another process to give back its unused slice instead of refusing a hold the key can pay', async () => {
    const a = await open();
    const b = await open();
    try {
      const { key } = await a.keys.create({ name: 'pressure', credits: 1000 });
      // b's slice (its hold and as much again) leaves 200 outside it once the hold is settled for nothing.
      const first = await b.credits.reserve(key.id, 400);
      if (!first.ok) throw new Error(first.reason);
      await b.credits.settle(first.reservation.id, 0);
      expect(leasesOf(b).get(key.id)).toEqual({ size: 800, held: 0 });
      // a needs 500: b gives back what no open hold of its uses, and a's hold is admitted on its second ask.
      const started = Date.now();
      expect(await a.credits.reserve(key.id, 500)).toMatchObject({ ok: true });
      expect(Date.now() - started).toBeGreaterThanOrEqual(45);
      expect(leasesOf(b).get(key.id)).toBeUndefined();
      // A slice in use is kept: b holds 300 of its new slice, so a's 600 more is refused after the second ask,
      // told what it could have.
      const open300 = await b.credits.reserve(key.id, 300);
      if (!open300.ok) throw new Error(open300.reason);
      expect(leasesOf(b).get(key.id)?.held).toBe(300);
      expect(await a.credits.reserve(key.id, 600)).toMatchObject({
        ok: false,
        reason: 'insufficient_credits',
        available: 200,
      });
      expect(leasesOf(b).get(key.id)).toEqual({ size: 300, held: 300 });
      // Each of a's two short holds pressed b once and asked once more: admitted, then refused for good.
      expect((a.credits as LeasedCreditAccounts).stats).toMatchObject({
        pressureSent: 2,
        pressureReceived: 1,
        retriesAdmitted: 1,
        retriesRefused: 1,
        callsFailed: 0,
      });
      expect((b.credits as LeasedCreditAccounts).stats).toMatchObject({ pressureReceived: 2, retriesAdmitted: 1 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("shows its own charges at once, and other processes' slices and charges as reserved until they report", async () => {
    const a = await open();
    const b = await open();
    try {
      const { key } = await a.keys.create({ name: 'views', credits: 10_000 });
      const stored = await a.keys.getById(key.id);
      if (stored === undefined) throw new Error('gone');
      const first = await a.credits.reserve(key.id, 100);
      if (!first.ok) throw new Error(first.reason);
      await a.credits.settle(first.reservation.id, 60);
      const open100 = await a.credits.reserve(key.id, 100);
      if (!open100.ok) throw new Error(open100.reason);
      // To a, 60 of its slice is spent and 100 held (reading it sends a's charge to Redis first, which resizes the
      // slice to its recent demand); to b, all of a's slice is reserved.
      expect(await a.credits.current(stored)).toMatchObject({ balance: 9940, totalSpent: 60, reserved: 100 });
      const slice = leasesOf(a).get(key.id)?.size;
      expect(slice).toBeGreaterThan(100);
      expect(await b.credits.current(stored)).toMatchObject({ balance: 9940, totalSpent: 60, reserved: slice });
      // a's next charge stays inside its slice (reserved, to b) until a reports it.
      await a.credits.settle(open100.reservation.id, 40);
      expect(await b.credits.current(stored)).toMatchObject({ balance: 9940, totalSpent: 60, reserved: slice });
      await (a.credits as LeasedCreditAccounts).reportCharges();
      expect(await b.credits.current(stored)).toMatchObject({
        balance: 9900,
        totalSpent: 100,
        reserved: leasesOf(a).get(key.id)?.size ?? 0,
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('keeps a budget across processes', async () => {
    const a = await open();
    const b = await open();
    try {
      const { key } = await a.keys.create({ name: 'budget', credits: 10_000, budget: { amount: 300, period: 'day' } });
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, async (_, index) => {
          const storage = index % 2 === 0 ? a : b;
          const held = await storage.credits.reserve(key.id, 100);
          if (!held.ok) return held.reason;
          await storage.credits.settle(held.reservation.id, 100);
          return 'ok';
        }),
      );
      expect(outcomes.filter((outcome) => outcome === 'ok').length).toBeLessThanOrEqual(3);
      expect(new Set(outcomes.filter((outcome) => outcome !== 'ok'))).toEqual(new Set(['budget_exceeded']));
      const stored = await a.keys.getById(key.id);
      if (stored === undefined) throw new Error('gone');
      expect((await a.credits.current(stored)).budgetSpent).toBeLessThanOrEqual(300);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('charges once when a call that reached Redis is sent again after its reply was lost and its lease expired', async () => {
    const storage = await open();
    const other = await open({ creditLeases: false });
    const raw = new Redis(urls.REDIS_URL);
    try {
      const { key } = await storage.keys.create({ name: 'retry', credits: 10_000 });
      const counters = storage.counters as RedisCounterStore;
      const held = await storage.credits.reserve(key.id, 500);
      if (!held.ok) throw new Error(held.reason);
      const original = counters.shared.bind(counters);
      const lost = vi.spyOn(counters, 'shared').mockImplementationOnce(async (...args) => {
        await original(...args);
        throw new Error('reply lost');
      });
      const settled = await storage.credits.settle(held.reservation.id, 300, { reason: 'm' });
      expect(settled).toMatchObject({ settled: true, charge: { amount: 300 } });
      // The report before the row's batch ran in Redis but its reply was lost: the row is written all the same.
      storage.usageWriter.write(chargedUsageRecord('req_lost', key.id, settled.charge));
      await storage.usageWriter.flush();
      expect([lost.mock.calls.length, (await storage.usage.list({ keyId: key.id })).length]).toEqual([1, 1]);
      lost.mockRestore();
      // Meanwhile the lease expires in Redis (as it would while Redis was out of reach) and another process's
      // reservation drops it.
      const expiry = `${redisKeyPrefix}credit-expiry:{${key.id}}`;
      for (const owner of await raw.zrange(expiry, 0, -1)) await raw.zadd(expiry, 1, owner);
      expect(await other.credits.reserve(key.id, 1)).toMatchObject({ ok: true });
      // The next call reports the same running total, which Redis has already counted.
      const next = await storage.credits.reserve(key.id, 100);
      if (!next.ok) throw new Error(next.reason);
      await storage.credits.settle(next.reservation.id, 50);
      await (storage.credits as LeasedCreditAccounts).reportCharges();
      const stored = await storage.keys.getById(key.id);
      if (stored === undefined) throw new Error('gone');
      expect(await storage.credits.current(stored)).toMatchObject({ balance: 10_000 - 350, totalSpent: 350 });
    } finally {
      raw.disconnect();
      await Promise.all([storage.close(), other.close()]);
    }
  });

  it('keeps admitting inside its slice while Redis is out of reach until a call fails, then refuses', async () => {
    const storage = await open();
    try {
      const { key } = await storage.keys.create({ name: 'outage', credits: 10_000 });
      const counters = storage.counters as RedisCounterStore;
      const first = await storage.credits.reserve(key.id, 100);
      if (!first.ok) throw new Error(first.reason);
      const outage = vi.spyOn(counters, 'shared').mockRejectedValue(new Error('redis is not connected (reconnecting)'));
      try {
        // Inside the slice: a settlement and the next hold need no round trip, so the outage goes unnoticed.
        const settled = await storage.credits.settle(first.reservation.id, 40, { reason: 'm' });
        expect(settled).toMatchObject({ settled: true, charge: { amount: 40 } });
        const second = await storage.credits.reserve(key.id, 100);
        if (!second.ok) throw new Error(second.reason);
        await storage.credits.settle(second.reservation.id, 60, { reason: 'm' });
        // The report before the usage batch fails without throwing: the row is written all the same.
        storage.usageWriter.write(chargedUsageRecord('req_outage_1', key.id, settled.charge));
        await storage.usageWriter.flush();
        expect(await storage.usage.list({ keyId: key.id })).toHaveLength(1);
        // That failed call may have resized the slice in Redis: the next hold needs Redis, and fails (a 503).
        await expect(storage.credits.reserve(key.id, 100)).rejects.toThrow(/not connected/);
      } finally {
        outage.mockRestore();
      }
      // Redis is back: the next call counts both charges, once.
      const third = await storage.credits.reserve(key.id, 100);
      expect(third.ok).toBe(true);
      await (storage.credits as LeasedCreditAccounts).reportCharges();
      const stored = await storage.keys.getById(key.id);
      if (stored === undefined) throw new Error('gone');
      expect(await storage.credits.current(stored)).toMatchObject({ totalSpent: 100 });
      expect((storage.credits as LeasedCreditAccounts).stats).toMatchObject({ callsFailed: 2 });
    } finally {
      await storage.close();
    }
  });

  it('gives an idle slice back, and a dead process’s slice frees within the lease TTL', async () => {
    const idle = await open({ leaseTtlMs: 300 });
    const other = await open({ creditLeases: false });
    const redis = await RedisCounterStore.connect({ url: urls.REDIS_URL, keyPrefix: redisKeyPrefix });
    const dead = new LeasedCreditAccounts({ keys: other.keys, redis, leaseTtlMs: 300 });
    try {
      const { key } = await other.keys.create({ name: 'idle', credits: 1000 });
      const held = await idle.credits.reserve(key.id, 400);
      if (!held.ok) throw new Error(held.reason);
      await idle.credits.settle(held.reservation.id, 0);
      expect(leasesOf(idle).get(key.id)?.size).toBe(800);
      expect(await other.credits.reserve(key.id, 1000)).toMatchObject({ ok: false, available: 200 });
      await sleep(500);
      expect(leasesOf(idle).get(key.id)).toBeUndefined();
      // A process that dies holding a slice (its Redis connection gone, nothing given back).
      expect(await dead.reserve(key.id, 900)).toMatchObject({ ok: true });
      await redis.close();
      expect(await other.credits.reserve(key.id, 1000)).toMatchObject({ ok: false, reason: 'insufficient_credits' });
      await sleep(400);
      expect(await other.credits.reserve(key.id, 1000)).toMatchObject({ ok: true });
    } finally {
      await Promise.all([idle.close(), other.close(), dead.close().catch(() => undefined), redis.close()]);
    }
  });
});
