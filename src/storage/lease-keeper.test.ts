import { afterEach, describe, expect, it, vi } from 'vitest';
import { LeaseKeeper } from './lease-keeper.js';
import { MemoryCounterStore } from './memory/memory-counter-store.js';
import { MemoryKeyStore } from './memory/memory-key-store.js';
import { TestClock } from './testing/service-env.js';

function setup(ttlMs = 3000) {
  const clock = new TestClock();
  const keys = new MemoryKeyStore({ now: clock.read });
  const counters = new MemoryCounterStore({ now: clock.read });
  const leases = new LeaseKeeper({ keys, counters, ttlMs });
  return { clock, keys, counters, leases };
}

describe('LeaseKeeper', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps a live request’s hold and slot past their TTL, and frees both within a TTL once it stops beating', async () => {
    const { clock, keys, counters, leases } = setup();
    const { key } = await keys.create({ name: 'k', credits: 100 });
    const held = await keys.reserve(key.id, 100, { ttlMs: leases.ttlMs });
    const slot = await counters.acquireSlot(key.id, 1, { ttlMs: leases.ttlMs });
    if (!held.ok || slot === null) throw new Error('lease not taken');
    leases.holdReservation(held.reservation.id);
    leases.holdSlot(slot);
    for (let beat = 0; beat < 10; beat++) {
      clock.advance(leases.intervalMs);
      await leases.beat();
    }
    // Ten beats (10 s) later, far past the 3 s TTL, the request still holds both.
    expect(await keys.getById(key.id)).toMatchObject({ reserved: 100 });
    expect(await counters.acquireSlot(key.id, 1)).toBeNull();
    expect(await keys.reserve(key.id, 1)).toMatchObject({ ok: false, reason: 'insufficient_credits' });

    // The process "dies": its leases are no longer renewed; another process's beat sweeps the hold.
    const survivor = new LeaseKeeper({ keys, counters, ttlMs: leases.ttlMs });
    clock.advance(leases.ttlMs - 1);
    await survivor.beat();
    expect(await keys.getById(key.id)).toMatchObject({ reserved: 100 });
    clock.advance(1);
    await survivor.beat();
    expect(await keys.getById(key.id)).toMatchObject({ reserved: 0 });
    expect(await counters.acquireSlot(key.id, 1)).not.toBeNull();
    expect(await keys.reserve(key.id, 100)).toMatchObject({ ok: true });
  });

  it('stops renewing what was dropped', async () => {
    const { clock, keys, leases } = setup();
    const { key } = await keys.create({ name: 'k', credits: 10 });
    const held = await keys.reserve(key.id, 10, { ttlMs: leases.ttlMs });
    if (!held.ok) throw new Error('reserve failed');
    leases.holdReservation(held.reservation.id);
    leases.dropReservation(held.reservation.id);
    expect(leases.size).toEqual({ reservations: 0, slots: 0 });
    clock.advance(leases.ttlMs);
    await leases.beat();
    expect(await keys.getById(key.id)).toMatchObject({ reserved: 0 });
  });

  it('beats on one timer every third of the TTL, batching every live lease into one renewal call', async () => {
    vi.useFakeTimers();
    const { keys, counters, leases } = setup(15_000);
    const renewReservations = vi.spyOn(keys, 'renewReservations');
    const renewSlots = vi.spyOn(counters, 'renewSlots');
    const { key } = await keys.create({ name: 'k', credits: 100 });
    for (let index = 0; index < 3; index++) {
      const held = await keys.reserve(key.id, 10, { ttlMs: leases.ttlMs });
      if (held.ok) leases.holdReservation(held.reservation.id);
      const slot = await counters.acquireSlot(key.id, 5, { ttlMs: leases.ttlMs });
      if (slot !== null) leases.holdSlot(slot);
    }
    leases.start();
    leases.start();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(renewReservations).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(renewReservations).toHaveBeenCalledTimes(1);
    expect(renewReservations.mock.calls[0]?.[0]).toHaveLength(3);
    expect(renewSlots).toHaveBeenCalledTimes(1);
    expect(renewSlots.mock.calls[0]?.[0]).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(renewReservations).toHaveBeenCalledTimes(2);
    await leases.stop();
    await vi.advanceTimersByTimeAsync(15_000);
    expect(renewReservations).toHaveBeenCalledTimes(2);
  });

  it('keeps beating when a store fails, and logs it', async () => {
    const { keys, counters } = setup();
    const warnings: string[] = [];
    const logger = { info() {}, error() {}, warn: (_details: object, message: string) => warnings.push(message) };
    const leases = new LeaseKeeper({ keys, counters, ttlMs: 3000, logger });
    vi.spyOn(keys, 'renewReservations').mockRejectedValue(new Error('database down'));
    leases.holdReservation('res_x');
    await leases.beat();
    expect(warnings).toEqual(['renewing credit holds failed']);
  });
});
