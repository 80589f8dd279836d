/** The behaviour every CounterStore backend must show (time is driven by a TestClock). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CounterStore } from '../counter-store.js';
import { TestClock } from './service-env.js';

export interface CounterStoreHarness {
  counters: CounterStore;
  cleanup(): Promise<void>;
}

const MINUTE = 60_000;

export function describeCounterStoreContract(
  name: string,
  factory: (options: { now: () => number }) => Promise<CounterStoreHarness>,
): void {
  describe(`${name} counter store`, () => {
    let clock: TestClock;
    let harness: CounterStoreHarness;
    let counters: CounterStore;
    let subject: string;

    beforeEach(async () => {
      // Start exactly on a window boundary so tests can reason about elapsed time.
      clock = new TestClock(Math.floor(Date.UTC(2025, 5, 11, 12) / MINUTE) * MINUTE);
      harness = await factory({ now: clock.read });
      counters = harness.counters;
      subject = `key_${Math.random().toString(36).slice(2)}`;
    });
    afterEach(async () => {
      await harness.cleanup();
    });

    it('allows rpm requests per minute, then refuses with a retry time', async () => {
      for (let i = 0; i < 3; i++) {
        expect(await counters.consume(subject, { rpm: 3 })).toEqual({ allowed: true, remainingRequests: 2 - i });
      }
      const refused = await counters.consume(subject, { rpm: 3 });
      expect(refused).toMatchObject({ allowed: false, limit: 'rpm' });
      // All three came at the start of this window; a third into the next one they weigh 2, leaving room for 1.
      if (!refused.allowed) expect(refused.retryAfterMs).toBe(2 * MINUTE - Math.ceil(MINUTE * (2 / 3)));
      // Refusals count nothing.
      clock.advance(MINUTE + MINUTE / 2);
      // Previous window (3 requests) weighted by half: 1.5 + 1 ≤ 3.
      expect((await counters.consume(subject, { rpm: 3 })).allowed).toBe(true);
      expect((await counters.consume(subject, { rpm: 3 })).allowed).toBe(false);
      clock.advance(2 * MINUTE);
      expect((await counters.consume(subject, { rpm: 3 })).allowed).toBe(true);
    });

    it('limits tokens per minute, counting estimates and later corrections', async () => {
      expect(await counters.consume(subject, { tpm: 1000, tokens: 600 })).toEqual({
        allowed: true,
        remainingTokens: 400,
      });
      expect(await counters.consume(subject, { tpm: 1000, tokens: 500 })).toMatchObject({
        allowed: false,
        limit: 'tpm',
      });
      await counters.addTokens(subject, -300);
      expect((await counters.consume(subject, { tpm: 1000, tokens: 500 })).allowed).toBe(true);
      await counters.addTokens(subject, 200);
      // 1000 used: even a request of unknown size is refused until the window slides.
      expect((await counters.consume(subject, { tpm: 1000 })).allowed).toBe(false);
      expect(await counters.consume(subject, { tpm: 1000, tokens: 5000 })).toMatchObject({ allowed: false });
    });

    it('checks rpm and tpm together and counts neither on refusal', async () => {
      expect((await counters.consume(subject, { rpm: 2, tpm: 100, tokens: 90 })).allowed).toBe(true);
      expect(await counters.consume(subject, { rpm: 2, tpm: 100, tokens: 20 })).toMatchObject({ limit: 'tpm' });
      expect(await counters.consume(subject, { rpm: 2, tpm: 100, tokens: 10 })).toEqual({
        allowed: true,
        remainingRequests: 0,
        remainingTokens: 0,
      });
      expect(await counters.consume(subject, { rpm: 2, tpm: 100, tokens: 0 })).toMatchObject({ limit: 'rpm' });
    });

    it('allows everything without limits and keeps subjects apart', async () => {
      for (let i = 0; i < 5; i++) expect(await counters.consume(subject, {})).toEqual({ allowed: true });
      expect((await counters.consume(subject, { rpm: 1 })).allowed).toBe(true);
      expect((await counters.consume(`${subject}-other`, { rpm: 1 })).allowed).toBe(true);
      expect((await counters.consume(subject, { rpm: 1 })).allowed).toBe(false);
    });

    it('hands out at most maxParallel slots', async () => {
      const a = await counters.acquireSlot(subject, 2);
      const b = await counters.acquireSlot(subject, 2);
      expect(a).not.toBeNull();
      expect(b).not.toBeNull();
      expect(await counters.acquireSlot(subject, 2)).toBeNull();
      if (a === null) throw new Error('no slot');
      await counters.releaseSlot(a);
      await counters.releaseSlot(a);
      const c = await counters.acquireSlot(subject, 2);
      expect(c).not.toBeNull();
      expect(await counters.acquireSlot(subject, 2)).toBeNull();
    });

    it('forgets slots whose lease expired', async () => {
      expect(await counters.acquireSlot(subject, 1, { ttlMs: 1000 })).not.toBeNull();
      expect(await counters.acquireSlot(subject, 1)).toBeNull();
      clock.advance(1000);
      expect(await counters.acquireSlot(subject, 1)).not.toBeNull();
    });

    it('keeps a renewed slot past its first expiry and frees it once renewals stop', async () => {
      const lease = await counters.acquireSlot(subject, 1, { ttlMs: 3000 });
      if (lease === null) throw new Error('no slot');
      clock.advance(2000);
      await counters.renewSlots([lease], 3000);
      clock.advance(2000);
      expect(await counters.acquireSlot(subject, 1)).toBeNull();
      clock.advance(1000);
      expect(await counters.acquireSlot(subject, 1)).not.toBeNull();
    });

    it('does not bring a released slot back when renewing it', async () => {
      const lease = await counters.acquireSlot(subject, 1, { ttlMs: 3000 });
      if (lease === null) throw new Error('no slot');
      await counters.releaseSlot(lease);
      await counters.renewSlots([lease], 3000);
      expect(await counters.acquireSlot(subject, 1)).not.toBeNull();
    });

    it('gives concurrent acquirers exactly maxParallel slots', async () => {
      const leases = await Promise.all(Array.from({ length: 20 }, () => counters.acquireSlot(subject, 5)));
      expect(leases.filter((lease) => lease !== null)).toHaveLength(5);
    });

    it('delivers invalidations to subscribers until they unsubscribe', async () => {
      const seen: string[] = [];
      let firstArrived: () => void = () => {};
      const first = new Promise<void>((resolve) => {
        firstArrived = resolve;
      });
      const unsubscribe = await counters.subscribeInvalidations((keyId) => {
        seen.push(keyId);
        firstArrived();
      });
      await counters.publishInvalidation('key_x');
      await first;
      await unsubscribe();
      await counters.publishInvalidation('key_y');
      // Give a wrongly delivered second message the chance to arrive.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(seen).toEqual(['key_x']);
    });
  });
}
