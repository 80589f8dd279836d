import { afterEach, describe, expect, it } from 'vitest';
import { openStorage, type Storage } from '../../storage/index.js';
import { KeyAdmin } from './key-admin.js';

describe('KeyAdmin', () => {
  let storage: Storage | undefined;
  afterEach(async () => {
    await storage?.close();
  });

  it("evicts a changed key from this process's cache before answering, whatever the invalidation channel does", async () => {
    storage = await openStorage();
    // The channel delivers nothing: only the local eviction can keep this process from serving a stale key.
    storage.counters.publishInvalidation = () => Promise.resolve();
    const evicted: string[] = [];
    const admin = new KeyAdmin(storage, (keyId) => evicted.push(keyId));
    const { id } = await admin.create({ name: 'cache', credits: 1 });
    const changes: [string, () => Promise<unknown>][] = [
      ['update', () => admin.update(id, { models: ['cheap-*'] })],
      ['add credits', () => admin.addCredits(id, { amount: 1, reason: 'top-up' })],
      ['set credits', () => admin.setCredits(id, { amount: 3, reason: 'correction' })],
      ['rotate', () => admin.rotate(id)],
      ['revoke', () => admin.revoke(id)],
    ];
    for (const [change, run] of changes) {
      evicted.length = 0;
      await run();
      expect(evicted, change).toEqual([id]);
    }
  });
});
