/**
 * Counters shared by gateway processes: per-key requests-per-minute and tokens-per-minute limits, concurrent
 * request slots, and the key-cache invalidation channel. In memory for one process; in Redis for many.
 *
 * Windows are sliding (the Cloudflare approximation): the estimate is `previousMinute × (1 − elapsed/60s) +
 * currentMinute`, which needs two counters per limit instead of a log of timestamps.
 */

export interface ConsumeRequest {
  /** Requests per minute; null/undefined = unlimited. */
  rpm?: number | null;
  /** Tokens per minute; null/undefined = unlimited. */
  tpm?: number | null;
  /**
   * Tokens to count now (e.g. the estimated prompt). The request is refused if they do not fit; correct the
   * count later with `addTokens(subject, actual − estimate)`.
   */
  tokens?: number;
}

export type RateDecision =
  | {
      allowed: true;
      /** Left in the window after this request; undefined when that limit is not set. */
      remainingRequests?: number;
      remainingTokens?: number;
    }
  | {
      allowed: false;
      limit: 'rpm' | 'tpm';
      /** When a retry can succeed (for `Retry-After`). */
      retryAfterMs: number;
    };

export interface SlotLease {
  id: string;
  subject: string;
  /** Where the slot was taken, so release goes to the same place (a Redis store may fall back to local). */
  backend: 'local' | 'redis';
}

export interface AcquireSlotOptions {
  /**
   * A lease is forgotten after this long unless released or renewed (`renewSlots`), so a crashed process's
   * slots come back. Default 15 minutes; the gateway uses its short, renewed lease TTL.
   */
  ttlMs?: number;
}

export type InvalidationListener = (keyId: string) => void;

/**
 * @example
 * const decision = await counters.consume(key.id, { rpm: key.rpm, tpm: key.tpm, tokens: estimatedPrompt });
 * if (!decision.allowed) throw new RateLimitError({ message: 'Rate limit', retryAfter: decision.retryAfterMs / 1000 });
 * const lease = key.maxParallel ? await counters.acquireSlot(key.id, key.maxParallel) : null;
 * try { … } finally { if (lease) await counters.releaseSlot(lease); }
 */
export interface CounterStore {
  readonly kind: 'memory' | 'redis';
  /** Checks rpm and tpm and, if both allow, counts the request (atomic: a refusal counts nothing). */
  consume(subject: string, request: ConsumeRequest): Promise<RateDecision>;
  /** Adds (or, negative, removes) tokens in the current window, e.g. actual usage after the call. */
  addTokens(subject: string, tokens: number): Promise<void>;
  /** Takes one of `maxParallel` concurrent slots, or returns null when all are taken. */
  acquireSlot(subject: string, maxParallel: number, options?: AcquireSlotOptions): Promise<SlotLease | null>;
  releaseSlot(lease: SlotLease): Promise<void>;
  /**
   * Moves the expiry of live slots to `ttlMs` from now (one round trip for all of them): the heartbeat of the
   * process holding them, so a crashed process's slots free within `ttlMs`. Released or expired slots stay gone.
   */
  renewSlots(leases: readonly SlotLease[], ttlMs: number): Promise<void>;
  /** Tells every gateway process (this one included) to drop its cached copy of the key. */
  publishInvalidation(keyId: string): Promise<void>;
  /** Listens for invalidations; resolves once listening. Returns the function that stops listening. */
  subscribeInvalidations(listener: InvalidationListener): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export const WINDOW_MS = 60_000;
export const DEFAULT_SLOT_TTL_MS = 15 * 60_000;

export function validateSubject(subject: string): string {
  if (typeof subject !== 'string' || subject === '' || subject.length > 200) {
    throw new RangeError('subject must be a non-empty string of at most 200 characters');
  }
  return subject;
}
