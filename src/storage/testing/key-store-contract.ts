/**
 * The behaviour every KeyStore backend must show, run by each backend's test file against its own store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BadRequestError, NotFoundError } from '../../spec/errors.js';
import { hashApiKey, isApiKeyFormat } from '../api-keys.js';
import type { KeyStore } from '../key-store.js';
import { TestClock } from './service-env.js';

export interface KeyStoreHarness {
  store: KeyStore;
  cleanup(): Promise<void>;
}

export type KeyStoreFactory = (options: {
  now: () => number;
  hasher?: (plaintext: string) => string;
}) => Promise<KeyStoreHarness>;

const DAY = 86_400_000;

export function describeKeyStoreContract(name: string, factory: KeyStoreFactory): void {
  describe(`${name} key store`, () => {
    let clock: TestClock;
    let store: KeyStore;
    let harness: KeyStoreHarness;

    beforeEach(async () => {
      clock = new TestClock();
      harness = await factory({ now: clock.read });
      store = harness.store;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('creates a key whose plaintext is returned once and stored only as a hash', async () => {
      const { key, plaintext } = await store.create({ name: 'alice', metadata: { team: 'a' }, rpm: 10 });
      expect(isApiKeyFormat(plaintext)).toBe(true);
      expect(key.hash).toBe(hashApiKey(plaintext));
      expect(key.displayPrefix).toBe(`${plaintext.slice(0, 10)}…`);
      expect(JSON.stringify(key)).not.toContain(plaintext);
      expect(key).toMatchObject({ name: 'alice', metadata: { team: 'a' }, rpm: 10, tpm: null, balance: 0 });
      expect(key.enabled).toBe(true);
      expect(await store.getByPlaintext(plaintext)).toEqual(key);
      expect(await store.getByHash(key.hash)).toEqual(key);
      expect(await store.getById(key.id)).toEqual(key);
      expect(await store.getByPlaintext(`${plaintext}x`)).toBeUndefined();
      expect(await store.getById('key_missing')).toBeUndefined();
    });

    it('uses the configured hasher (pepper)', async () => {
      await harness.cleanup();
      harness = await factory({ now: clock.read, hasher: (plaintext) => hashApiKey(plaintext, 'pepper') });
      store = harness.store;
      const { key, plaintext } = await store.create({ name: 'peppered' });
      expect(key.hash).toBe(hashApiKey(plaintext, 'pepper'));
      expect(key.hash).not.toBe(hashApiKey(plaintext));
      expect((await store.getByPlaintext(plaintext))?.id).toBe(key.id);
    });

    it('records initial credits in the ledger', async () => {
      const { key } = await store.create({ name: 'funded', credits: 5_000_000, creditReason: 'welcome' });
      expect(key.balance).toBe(5_000_000);
      const history = await store.creditHistory(key.id);
      expect(history).toMatchObject([{ kind: 'add', delta: 5_000_000, balanceAfter: 5_000_000, reason: 'welcome' }]);
    });

    it('lists newest first, hides revoked keys unless asked, and pages', async () => {
      const first = await store.create({ name: 'one' });
      clock.advance(1);
      const second = await store.create({ name: 'two' });
      clock.advance(1);
      const third = await store.create({ name: 'three' });
      await store.revoke(second.key.id);
      expect((await store.list()).map((k) => k.name)).toEqual(['three', 'one']);
      expect((await store.list({ includeRevoked: true })).map((k) => k.name)).toEqual(['three', 'two', 'one']);
      expect((await store.list({ includeRevoked: true, limit: 1, offset: 1 })).map((k) => k.id)).toEqual([
        second.key.id,
      ]);
      expect(first.key.id).not.toBe(third.key.id);
    });

    it('updates settings, clears them with null, and validates', async () => {
      const { key } = await store.create({ name: 'k', rpm: 5, models: ['gpt-*'] });
      clock.advance(1000);
      const updated = await store.update(key.id, {
        name: 'renamed',
        rpm: null,
        tpm: 1000,
        maxParallel: 2,
        models: null,
        metadata: { plan: 'pro' },
        budget: { amount: 1_000_000, period: 'week' },
        expiresAt: clock.now + DAY,
        enabled: false,
        unlimitedCredits: true,
      });
      expect(updated).toMatchObject({
        name: 'renamed',
        rpm: null,
        tpm: 1000,
        maxParallel: 2,
        models: null,
        metadata: { plan: 'pro' },
        budget: { amount: 1_000_000, period: 'week' },
        expiresAt: clock.now + DAY,
        enabled: false,
        unlimitedCredits: true,
        updatedAt: clock.now,
        createdAt: key.createdAt,
      });
      expect(await store.getById(key.id)).toEqual(updated);
      await expect(store.update(key.id, { rpm: 0 })).rejects.toSatisfy((e) => BadRequestError.isInstance(e));
      await expect(store.update(key.id, { budget: { amount: 1, period: 'year' as 'day' } })).rejects.toSatisfy((e) =>
        BadRequestError.isInstance(e),
      );
      await expect(store.update('key_missing', { name: 'x' })).rejects.toSatisfy((e) => NotFoundError.isInstance(e));
      await expect(store.create({ name: '' })).rejects.toSatisfy((e) => BadRequestError.isInstance(e));
    });

    it('stores MCP tool restrictions: a list, an empty list, and null for none', async () => {
      const { key } = await store.create({ name: 'mcp', mcpTools: ['fs.read_*', 'memory.*'] });
      expect(key.mcpTools).toEqual(['fs.read_*', 'memory.*']);
      expect((await store.getById(key.id))?.mcpTools).toEqual(['fs.read_*', 'memory.*']);
      expect((await store.update(key.id, { mcpTools: [] })).mcpTools).toEqual([]);
      expect((await store.getById(key.id))?.mcpTools).toEqual([]);
      expect((await store.update(key.id, { mcpTools: null })).mcpTools).toBeNull();
      expect((await store.create({ name: 'plain' })).key.mcpTools).toBeNull();
      await expect(store.update(key.id, { mcpTools: [''] })).rejects.toSatisfy((e) => BadRequestError.isInstance(e));
    });

    it('rotates the secret but keeps id, balance and history', async () => {
      const { key, plaintext } = await store.create({ name: 'r', credits: 100 });
      const rotated = await store.rotate(key.id);
      expect(rotated.plaintext).not.toBe(plaintext);
      expect(rotated.key.id).toBe(key.id);
      expect(rotated.key.balance).toBe(100);
      expect(await store.getByPlaintext(plaintext)).toBeUndefined();
      expect((await store.getByPlaintext(rotated.plaintext))?.id).toBe(key.id);
      expect(await store.creditHistory(key.id)).toHaveLength(1);
      await expect(store.rotate('key_missing')).rejects.toSatisfy((e) => NotFoundError.isInstance(e));
    });

    it('revokes for good, idempotently', async () => {
      const { key, plaintext } = await store.create({ name: 'v', credits: 1000 });
      const revoked = await store.revoke(key.id);
      expect(revoked.revokedAt).toBe(clock.now);
      expect(revoked.enabled).toBe(false);
      clock.advance(5000);
      expect((await store.revoke(key.id)).revokedAt).toBe(revoked.revokedAt);
      expect((await store.getByPlaintext(plaintext))?.revokedAt).toBe(revoked.revokedAt);
      expect(await store.reserve(key.id, 1)).toEqual({ ok: false, reason: 'revoked', available: 0 });
      // Re-enabling does not undo a revocation.
      await store.update(key.id, { enabled: true });
      expect(await store.reserve(key.id, 1)).toMatchObject({ ok: false, reason: 'revoked' });
    });

    it('adds and sets credits with a ledger entry per change', async () => {
      const { key } = await store.create({ name: 'c' });
      const added = await store.addCredits(key.id, 2_500_000, 'top-up #1');
      expect(added).toMatchObject({ keyId: key.id, kind: 'add', delta: 2_500_000, balanceAfter: 2_500_000 });
      const set = await store.setCredits(key.id, 1_000_000, 'correction');
      expect(set).toMatchObject({ kind: 'set', delta: -1_500_000, balanceAfter: 1_000_000, reason: 'correction' });
      const deducted = await store.addCredits(key.id, -250_000, 'chargeback');
      expect(deducted.balanceAfter).toBe(750_000);
      expect((await store.getById(key.id))?.balance).toBe(750_000);
      const history = await store.creditHistory(key.id);
      expect(history.map((e) => e.reason)).toEqual(['chargeback', 'correction', 'top-up #1']);
      expect(history.reduce((sum, e) => sum + e.delta, 0)).toBe(750_000);
      const page = await store.creditHistory(key.id, { limit: 1, beforeId: history[0]?.id });
      expect(page.map((e) => e.reason)).toEqual(['correction']);
      await expect(store.addCredits(key.id, 0.5, 'x')).rejects.toSatisfy((e) => BadRequestError.isInstance(e));
      await expect(store.addCredits(key.id, 1, '')).rejects.toSatisfy((e) => BadRequestError.isInstance(e));
      await expect(store.addCredits('key_missing', 1, 'x')).rejects.toSatisfy((e) => NotFoundError.isInstance(e));
    });

    it('reserves only what the balance minus open reservations covers', async () => {
      const { key } = await store.create({ name: 'res', credits: 1000 });
      const first = await store.reserve(key.id, 600, { requestId: 'req-1' });
      expect(first).toMatchObject({ ok: true, reservation: { keyId: key.id, amount: 600, requestId: 'req-1' } });
      expect((await store.getById(key.id))?.reserved).toBe(600);
      expect(await store.reserve(key.id, 401)).toEqual({ ok: false, reason: 'insufficient_credits', available: 400 });
      const exact = await store.reserve(key.id, 400);
      expect(exact.ok).toBe(true);
      expect(await store.reserve(key.id, 0)).toMatchObject({ ok: true });
      expect(await store.reserve(key.id, 1)).toMatchObject({ ok: false, available: 0 });
      expect(await store.reserve('key_missing', 1)).toEqual({ ok: false, reason: 'not_found', available: 0 });
      await expect(store.reserve(key.id, -1)).rejects.toSatisfy((e) => BadRequestError.isInstance(e));
    });

    it('settles the actual cost, once, and writes a usage ledger entry', async () => {
      const { key } = await store.create({ name: 's', credits: 1000 });
      const held = await store.reserve(key.id, 500, { requestId: 'req-s' });
      if (!held.ok) throw new Error('reserve failed');
      expect(await store.settle(held.reservation.id, 321, { reason: 'gpt-4o' })).toEqual({
        settled: true,
        charged: 321,
        balance: 679,
      });
      expect(await store.settle(held.reservation.id, 321)).toEqual({ settled: false, charged: 0 });
      expect(await store.release(held.reservation.id)).toBe(false);
      const after = await store.getById(key.id);
      expect(after).toMatchObject({ balance: 679, reserved: 0, totalSpent: 321 });
      expect((await store.creditHistory(key.id))[0]).toMatchObject({
        kind: 'usage',
        delta: -321,
        balanceAfter: 679,
        reason: 'gpt-4o',
        requestId: 'req-s',
      });
      const free = await store.reserve(key.id, 10);
      if (!free.ok) throw new Error('reserve failed');
      expect(await store.settle(free.reservation.id, 0)).toEqual({ settled: true, charged: 0, balance: 679 });
      expect(await store.creditHistory(key.id)).toHaveLength(2);
    });

    it('lets a cost above its reservation overdraw once, then refuses', async () => {
      const { key } = await store.create({ name: 'o', credits: 100 });
      const held = await store.reserve(key.id, 100);
      if (!held.ok) throw new Error('reserve failed');
      expect((await store.settle(held.reservation.id, 150)).balance).toBe(-50);
      expect(await store.reserve(key.id, 0)).toEqual({ ok: false, reason: 'insufficient_credits', available: 0 });
      await store.addCredits(key.id, 60, 'top-up');
      expect(await store.reserve(key.id, 10)).toMatchObject({ ok: true });
    });

    it('releases a hold without charging', async () => {
      const { key } = await store.create({ name: 'rel', credits: 100 });
      const held = await store.reserve(key.id, 100);
      if (!held.ok) throw new Error('reserve failed');
      expect(await store.release(held.reservation.id)).toBe(true);
      expect(await store.release(held.reservation.id)).toBe(false);
      expect(await store.getById(key.id)).toMatchObject({ balance: 100, reserved: 0, totalSpent: 0 });
      expect(await store.creditHistory(key.id)).toHaveLength(1);
    });

    it('enforces the budget per calendar period, counting open reservations', async () => {
      const { key } = await store.create({ name: 'b', credits: 10_000, budget: { amount: 1000, period: 'day' } });
      const held = await store.reserve(key.id, 600);
      if (!held.ok) throw new Error('reserve failed');
      expect(await store.reserve(key.id, 401)).toEqual({ ok: false, reason: 'budget_exceeded', available: 400 });
      await store.settle(held.reservation.id, 700);
      expect((await store.getById(key.id))?.budgetSpent).toBe(700);
      expect(await store.reserve(key.id, 301)).toEqual({ ok: false, reason: 'budget_exceeded', available: 300 });
      clock.advance(DAY);
      expect((await store.getById(key.id))?.budgetSpent).toBe(0);
      const nextDay = await store.reserve(key.id, 1000);
      expect(nextDay.ok).toBe(true);
      if (nextDay.ok) await store.settle(nextDay.reservation.id, 10);
      expect(await store.getById(key.id)).toMatchObject({ budgetSpent: 10, totalSpent: 710, balance: 9290 });
    });

    it('keeps this period’s spend when a budget is added to a key', async () => {
      const { key } = await store.create({ name: 'late budget', credits: 10_000 });
      const held = await store.reserve(key.id, 500);
      if (held.ok) await store.settle(held.reservation.id, 500);
      const updated = await store.update(key.id, { budget: { amount: 600, period: 'month' } });
      expect(updated.budgetSpent).toBe(500);
      expect(await store.reserve(key.id, 101)).toMatchObject({ ok: false, reason: 'budget_exceeded' });
    });

    it('refuses disabled and expired keys', async () => {
      const { key } = await store.create({ name: 'd', credits: 100, expiresAt: clock.now + 1000 });
      await store.update(key.id, { enabled: false });
      expect(await store.reserve(key.id, 1)).toEqual({ ok: false, reason: 'disabled', available: 0 });
      await store.update(key.id, { enabled: true });
      expect((await store.reserve(key.id, 1)).ok).toBe(true);
      clock.advance(1000);
      expect(await store.reserve(key.id, 1)).toEqual({ ok: false, reason: 'expired', available: 0 });
    });

    it('skips the balance check for unlimited keys but still charges and applies budgets', async () => {
      const { key } = await store.create({
        name: 'u',
        unlimitedCredits: true,
        budget: { amount: 500, period: 'month' },
      });
      const held = await store.reserve(key.id, 400);
      if (!held.ok) throw new Error('reserve failed');
      await store.settle(held.reservation.id, 400);
      expect(await store.getById(key.id)).toMatchObject({ balance: -400, totalSpent: 400, budgetSpent: 400 });
      expect(await store.reserve(key.id, 101)).toMatchObject({ ok: false, reason: 'budget_exceeded' });
    });

    it('frees expired reservations', async () => {
      const { key } = await store.create({ name: 'e', credits: 100 });
      const short = await store.reserve(key.id, 60, { ttlMs: 1000 });
      const long = await store.reserve(key.id, 40);
      if (!short.ok || !long.ok) throw new Error('reserve failed');
      clock.advance(999);
      expect(await store.releaseExpiredReservations()).toBe(0);
      clock.advance(1);
      expect(await store.releaseExpiredReservations()).toBe(1);
      expect((await store.getById(key.id))?.reserved).toBe(40);
      expect(await store.settle(short.reservation.id, 60)).toEqual({ settled: false, charged: 0 });
    });

    it('renews live reservations (one call for many); a renewed hold outlives its first expiry', async () => {
      const { key } = await store.create({ name: 'renewed', credits: 100 });
      const first = await store.reserve(key.id, 30, { ttlMs: 3000 });
      const second = await store.reserve(key.id, 20, { ttlMs: 3000 });
      if (!first.ok || !second.ok) throw new Error('reserve failed');
      clock.advance(2000);
      expect(await store.renewReservations([first.reservation.id, second.reservation.id, 'res_gone'], 3000)).toBe(2);
      clock.advance(2000);
      expect(await store.releaseExpiredReservations()).toBe(0);
      expect(await store.settle(first.reservation.id, 10)).toMatchObject({ settled: true, balance: 90 });
      clock.advance(1000);
      expect(await store.releaseExpiredReservations()).toBe(1);
      expect(await store.getById(key.id)).toMatchObject({ balance: 90, reserved: 0 });
      expect(await store.renewReservations([second.reservation.id], 3000)).toBe(0);
    });

    it('never overspends under 50 concurrent reserve/settle calls', async () => {
      const { key } = await store.create({ name: 'race', credits: 20 * 37 });
      const attempt = async (i: number) => {
        const held = await store.reserve(key.id, 37, { requestId: `race-${i}` });
        if (!held.ok) return false;
        await store.settle(held.reservation.id, 37);
        return true;
      };
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => attempt(i)));
      expect(results.filter(Boolean)).toHaveLength(20);
      const after = await store.getById(key.id);
      expect(after).toMatchObject({ balance: 0, reserved: 0, totalSpent: 740 });
      const history = await store.creditHistory(key.id, { limit: 1000 });
      expect(history.reduce((sum, e) => sum + e.delta, 0)).toBe(0);
    });
  });
}
