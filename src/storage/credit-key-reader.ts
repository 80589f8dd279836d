/**
 * The key rows behind a process's credit accounts (in memory for SQLite, in Redis for Postgres): each key's row
 * as last read, with what it was ever granted (`balance + total_spent`, which a landing charge does not change).
 * Keys in use are re-read every `refreshIntervalMs`, and a key not read for twice that is re-read before it is
 * used, so credits added or a key revoked by another process take effect within the interval.
 */
import type { Micros } from '../pricing/money.js';
import { keyUnusableReason } from './key-rules.js';
import type { ApiKeyRecord, KeyStore, ReserveResult } from './key-store.js';
import type { StorageLogger } from './storage-logger.js';

export const DEFAULT_CREDIT_REFRESH_MS = 500;
/** Entries idle this long (and holding nothing) are forgotten; their next use reads the row again. */
const IDLE_ENTRY_MS = 10 * 60_000;
/** Keys used within this window are re-read on every refresh tick. */
const ACTIVE_ENTRY_MS = 60_000;

/** What a reader keeps per key; the accounts add their own counts. */
export interface KeyEntry {
  key: ApiKeyRecord;
  granted: Micros;
  refreshedAt: number;
  usedAt: number;
}

export interface CreditKeyReaderOptions<Entry extends KeyEntry> {
  keys: KeyStore;
  refreshIntervalMs: number;
  logger: StorageLogger;
  now: () => number;
  /** The entry of a row read for the first time. */
  create(key: ApiKeyRecord, now: number): Entry;
  /** Whether this process holds credit on the key: such an entry is never forgotten for idleness. */
  holding(entry: Entry): boolean;
  /**
   * Whether holds live only in this process (memory): then an entry holding credit outlives its row's
   * disappearance and is re-read while idle, since nothing else remembers the holds.
   */
  holdsInProcess: boolean;
}

export class CreditKeyReader<Entry extends KeyEntry> {
  readonly refreshIntervalMs: number;
  readonly #options: CreditKeyReaderOptions<Entry>;
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<Entry | undefined>>();
  readonly #timer: NodeJS.Timeout;
  #refreshing = false;

  constructor(options: CreditKeyReaderOptions<Entry>) {
    this.#options = options;
    this.refreshIntervalMs = options.refreshIntervalMs;
    this.#timer = setInterval(() => void this.#refreshActive(), this.refreshIntervalMs);
    this.#timer.unref();
  }

  /** The entry as last read (undefined when not loaded). */
  get(keyId: string): Entry | undefined {
    return this.#entries.get(keyId);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The entry, re-read first when it was not refreshed for two intervals (an idle key, or after a change). */
  async fresh(keyId: string): Promise<Entry | undefined> {
    const entry = this.#entries.get(keyId);
    if (entry !== undefined && this.#options.now() - entry.refreshedAt <= 2 * this.refreshIntervalMs) return entry;
    return this.#load(keyId);
  }

  /**
   * The first step of every hold: the key's fresh entry, marked used, and the time of the decision; or the
   * refusal when the key is unknown or its row forbids use (revoked, expired, disabled).
   */
  async admit(keyId: string): Promise<{ ok: true; entry: Entry; now: number } | Extract<ReserveResult, { ok: false }>> {
    const entry = await this.fresh(keyId);
    if (entry === undefined) return { ok: false, reason: 'not_found', available: 0 };
    const now = this.#options.now();
    entry.usedAt = now;
    const unusable = keyUnusableReason(entry.key, now);
    if (unusable !== null) return { ok: false, reason: unusable, available: 0 };
    return { ok: true, entry, now };
  }

  /** A key changed: the next use waits for the re-read rather than deciding on the old settings. */
  refresh(keyId: string): void {
    const entry = this.#entries.get(keyId);
    if (entry === undefined) return;
    entry.refreshedAt = Number.NEGATIVE_INFINITY;
    void this.#load(keyId).catch((error: unknown) =>
      this.#options.logger.warn({ err: error, keyId }, 'reading a key failed'),
    );
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.allSettled([...this.#loading.values()]);
  }

  #load(keyId: string): Promise<Entry | undefined> {
    let loading = this.#loading.get(keyId);
    if (loading === undefined) {
      loading = this.#options.keys.getById(keyId).then(
        (key) => {
          this.#loading.delete(keyId);
          return this.#apply(keyId, key);
        },
        (error: unknown) => {
          this.#loading.delete(keyId);
          throw error;
        },
      );
      this.#loading.set(keyId, loading);
    }
    return loading;
  }

  /** Takes a freshly read row: settings and `granted` from it; the accounts' own counts stay. */
  #apply(keyId: string, key: ApiKeyRecord | undefined): Entry | undefined {
    const options = this.#options;
    const entry = this.#entries.get(keyId);
    if (key === undefined) {
      if (entry === undefined || !options.holdsInProcess || !options.holding(entry)) this.#entries.delete(keyId);
      return undefined;
    }
    const now = options.now();
    if (entry !== undefined) {
      entry.key = key;
      entry.granted = key.balance + key.totalSpent;
      entry.refreshedAt = now;
      return entry;
    }
    const created = options.create(key, now);
    this.#entries.set(keyId, created);
    return created;
  }

  /** The timer's tick: re-reads the keys in use, forgets long-idle ones. */
  async #refreshActive(): Promise<void> {
    if (this.#refreshing) return;
    this.#refreshing = true;
    const options = this.#options;
    try {
      const now = options.now();
      const due: string[] = [];
      for (const [keyId, entry] of this.#entries) {
        const holding = options.holding(entry);
        if (!holding && now - entry.usedAt > IDLE_ENTRY_MS) this.#entries.delete(keyId);
        else if (now - entry.usedAt <= ACTIVE_ENTRY_MS || (holding && options.holdsInProcess)) due.push(keyId);
      }
      await Promise.all(
        due.map((keyId) =>
          this.#load(keyId).catch((error: unknown) =>
            options.logger.warn({ err: error, keyId }, 'refreshing a key’s credits failed'),
          ),
        ),
      );
    } finally {
      this.#refreshing = false;
    }
  }
}
