import { describe, expect, it } from 'vitest';
import type { ApiKeyRecord } from '../../storage/key-store.js';
import { KeyCache } from './key-cache.js';

function key(id: string, balance = 100): ApiKeyRecord {
  return { id, balance } as ApiKeyRecord;
}

describe('KeyCache', () => {
  it('serves hits without loading, reloads after the TTL, and caches unknown hashes too', async () => {
    let now = 0;
    const cache = new KeyCache(1000, 10, () => now);
    let loads = 0;
    const load = async (hash: string) => {
      loads++;
      return hash === 'h1' ? key('k1') : undefined;
    };
    expect((await cache.get('h1', load))?.id).toBe('k1');
    expect(await cache.get('unknown', load)).toBeUndefined();
    await cache.get('h1', load);
    await cache.get('unknown', load);
    expect(loads).toBe(2);
    now = 1001;
    await cache.get('h1', load);
    expect(loads).toBe(3);
  });

  it('shares one lookup between concurrent misses', async () => {
    const cache = new KeyCache(1000);
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      return key('k1');
    };
    await Promise.all([cache.get('h1', load), cache.get('h1', load), cache.get('h1', load)]);
    expect(loads).toBe(1);
  });

  it('evicts by key id, and a lookup in flight during an eviction is not cached', async () => {
    const cache = new KeyCache(60_000);
    let loads = 0;
    const load = async () => {
      loads++;
      return key('k1');
    };
    await cache.get('h1', load);
    cache.evict('k1');
    await cache.get('h1', load);
    expect(loads).toBe(2);

    let release: () => void = () => {};
    const slow = cache.get('h2', () => new Promise((resolve) => (release = () => resolve(key('k2')))));
    cache.evict('k2');
    release();
    await slow;
    await cache.get('h2', load);
    expect(loads).toBe(3);
  });

  it('keeps the newest balance this process saw and bounds its size', async () => {
    const cache = new KeyCache(60_000, 2);
    await cache.get('h1', async () => key('k1', 100));
    cache.noteBalance('k1', 40);
    expect(cache.latest('k1')?.balance).toBe(40);
    await cache.get('h2', async () => key('k2'));
    await cache.get('h3', async () => key('k3'));
    expect(cache.size).toBe(2);
    expect(cache.latest('k1')).toBeUndefined();
  });
});
