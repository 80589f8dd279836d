/**
 * Virtual keys by hash, cached in memory so an authenticated request does no storage read (SQLite's calls are
 * synchronous). Entries live `ttlMs`; admin changes evict them at once in every process through the counter
 * store's invalidation channel (Redis pub/sub), the TTL bounds staleness when that channel is down. Unknown
 * hashes are cached too (a fresh or rotated secret is never one that was looked up before), so a client
 * retrying a wrong key cannot turn each request into a database read. Concurrent misses share one lookup.
 */
import type { ApiKeyRecord } from '../../storage/key-store.js';

interface Entry {
  key: ApiKeyRecord | undefined;
  expiresAt: number;
}

export class KeyCache {
  readonly #entries = new Map<string, Entry>();
  readonly #hashById = new Map<string, string>();
  readonly #pending = new Map<string, Promise<ApiKeyRecord | undefined>>();
  /** Bumped on every eviction, so a lookup that started before it does not cache what it read. */
  #generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The cached key (undefined = known unknown) or, on a miss, `load(hash)`'s result, cached. */
  async get(
    hash: string,
    load: (hash: string) => Promise<ApiKeyRecord | undefined>,
  ): Promise<ApiKeyRecord | undefined> {
    const entry = this.#entries.get(hash);
    if (entry !== undefined) {
      if (entry.expiresAt > this.now()) return entry.key;
      this.#delete(hash);
    }
    let pending = this.#pending.get(hash);
    if (pending === undefined) {
      const generation = this.#generation;
      pending = load(hash).then(
        (key) => {
          this.#pending.delete(hash);
          if (generation === this.#generation) this.#set(hash, key);
          return key;
        },
        (error: unknown) => {
          this.#pending.delete(hash);
          throw error;
        },
      );
      this.#pending.set(hash, pending);
    }
    return pending;
  }

  /** Drops a key (after an admin change anywhere). */
  evict(keyId: string): void {
    this.#generation++;
    const hash = this.#hashById.get(keyId);
    if (hash !== undefined) this.#delete(hash);
  }

  /** Keeps the cached balance current after this process settled a request. */
  noteBalance(keyId: string, balance: number): void {
    const hash = this.#hashById.get(keyId);
    const entry = hash === undefined ? undefined : this.#entries.get(hash);
    if (entry?.key !== undefined) entry.key = { ...entry.key, balance };
  }

  /** The freshest cached copy of a key, by id. */
  latest(keyId: string): ApiKeyRecord | undefined {
    const hash = this.#hashById.get(keyId);
    return hash === undefined ? undefined : this.#entries.get(hash)?.key;
  }

  clear(): void {
    this.#generation++;
    this.#entries.clear();
    this.#hashById.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  #set(hash: string, key: ApiKeyRecord | undefined): void {
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#delete(oldest);
    }
    this.#entries.set(hash, { key, expiresAt: this.now() + this.ttlMs });
    if (key !== undefined) this.#hashById.set(key.id, hash);
  }

  #delete(hash: string): void {
    const entry = this.#entries.get(hash);
    this.#entries.delete(hash);
    if (entry?.key !== undefined && this.#hashById.get(entry.key.id) === hash) this.#hashById.delete(entry.key.id);
  }
}
