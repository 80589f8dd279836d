/**
 * Counters for one process. Also the local fallback of the Redis store while Redis is unreachable.
 * Windows older than the previous one are pruned lazily, so memory stays proportional to active subjects.
 */
import { randomIdBase62 } from '../api-keys.js';
import {
  type AcquireSlotOptions,
  type ConsumeRequest,
  type CounterStore,
  DEFAULT_SLOT_TTL_MS,
  type InvalidationListener,
  type RateDecision,
  type SlotLease,
  validateSubject,
  WINDOW_MS,
} from '../counter-store.js';
import { decide, validateConsumeRequest, type WindowCounts, windowPosition } from '../sliding-window.js';

interface SubjectWindows {
  bucket: number;
  requests: WindowCounts;
  tokens: WindowCounts;
}

export interface MemoryCounterStoreOptions {
  now?: () => number;
  windowMs?: number;
}

export class MemoryCounterStore implements CounterStore {
  readonly kind = 'memory' as const;
  readonly #windows = new Map<string, SubjectWindows>();
  readonly #slots = new Map<string, Map<string, number>>();
  readonly #listeners = new Set<InvalidationListener>();
  readonly #now: () => number;
  readonly #windowMs: number;
  #lastSweep = 0;

  constructor(options: MemoryCounterStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#windowMs = options.windowMs ?? WINDOW_MS;
  }

  async consume(subject: string, request: ConsumeRequest): Promise<RateDecision> {
    validateSubject(subject);
    validateConsumeRequest(request);
    if ((request.rpm ?? null) === null && (request.tpm ?? null) === null) return { allowed: true };
    const { elapsed, windows } = this.#advance(subject);
    const { decision, count } = decide(request, windows.requests, windows.tokens, elapsed, this.#windowMs);
    if (count) {
      if ((request.rpm ?? null) !== null) windows.requests.current += 1;
      if ((request.tpm ?? null) !== null) windows.tokens.current += request.tokens ?? 0;
    }
    return decision;
  }

  async addTokens(subject: string, tokens: number): Promise<void> {
    validateSubject(subject);
    if (!Number.isSafeInteger(tokens)) throw new RangeError('tokens must be an integer');
    const { windows } = this.#advance(subject);
    windows.tokens.current = Math.max(0, windows.tokens.current + tokens);
  }

  async acquireSlot(subject: string, maxParallel: number, options: AcquireSlotOptions = {}): Promise<SlotLease | null> {
    validateSubject(subject);
    if (!Number.isSafeInteger(maxParallel) || maxParallel < 1) {
      throw new RangeError('maxParallel must be a positive integer');
    }
    const now = this.#now();
    const leases = this.#slots.get(subject) ?? new Map<string, number>();
    for (const [id, expiresAt] of leases) if (expiresAt <= now) leases.delete(id);
    if (leases.size >= maxParallel) return null;
    const id = randomIdBase62(16);
    leases.set(id, now + (options.ttlMs ?? DEFAULT_SLOT_TTL_MS));
    this.#slots.set(subject, leases);
    return { id, subject, backend: 'local' };
  }

  async releaseSlot(lease: SlotLease): Promise<void> {
    const leases = this.#slots.get(lease.subject);
    if (leases === undefined) return;
    leases.delete(lease.id);
    if (leases.size === 0) this.#slots.delete(lease.subject);
  }

  async renewSlots(leases: readonly SlotLease[], ttlMs: number): Promise<void> {
    const expiresAt = this.#now() + ttlMs;
    for (const lease of leases) {
      const taken = this.#slots.get(lease.subject);
      if (taken?.has(lease.id)) taken.set(lease.id, expiresAt);
    }
  }

  /** Current number of taken slots (for tests and metrics). */
  slotsInUse(subject: string): number {
    return this.#slots.get(subject)?.size ?? 0;
  }

  async publishInvalidation(keyId: string): Promise<void> {
    this.deliverInvalidation(keyId);
  }

  /** Calls every listener; one throwing listener does not stop the others. */
  deliverInvalidation(keyId: string): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(keyId);
      } catch {
        // A cache's own bug must not break invalidation for the others.
      }
    }
  }

  async subscribeInvalidations(listener: InvalidationListener): Promise<() => Promise<void>> {
    // Wrapped so the same function subscribed twice gets two independent subscriptions.
    const entry: InvalidationListener = (keyId) => listener(keyId);
    this.#listeners.add(entry);
    return async () => {
      this.#listeners.delete(entry);
    };
  }

  async close(): Promise<void> {
    this.#windows.clear();
    this.#slots.clear();
    this.#listeners.clear();
  }

  #advance(subject: string): { elapsed: number; windows: SubjectWindows } {
    const now = this.#now();
    const { bucket, elapsed } = windowPosition(now, this.#windowMs);
    this.#sweep(bucket);
    let windows = this.#windows.get(subject);
    if (windows === undefined) {
      windows = { bucket, requests: { current: 0, previous: 0 }, tokens: { current: 0, previous: 0 } };
      this.#windows.set(subject, windows);
    } else if (windows.bucket !== bucket) {
      const adjacent = windows.bucket === bucket - 1;
      windows.requests = { current: 0, previous: adjacent ? windows.requests.current : 0 };
      windows.tokens = { current: 0, previous: adjacent ? windows.tokens.current : 0 };
      windows.bucket = bucket;
    }
    return { elapsed, windows };
  }

  #sweep(bucket: number): void {
    if (bucket === this.#lastSweep) return;
    this.#lastSweep = bucket;
    for (const [subject, windows] of this.#windows) if (windows.bucket < bucket - 1) this.#windows.delete(subject);
  }
}
