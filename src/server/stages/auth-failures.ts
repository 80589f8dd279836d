/**
 * Failed authentications per client address (master key or virtual key guesses): after `limit` failures in a
 * minute the address is refused with 429 until the minute is over, whatever key it sends.
 */
const WINDOW_MS = 60_000;
/** Addresses remembered at most; past it, windows that are over are forgotten first. */
const MAX_ADDRESSES = 10_000;

interface Window {
  startedAt: number;
  failures: number;
}

export class AuthFailureLimiter {
  readonly #windows = new Map<string, Window>();

  constructor(
    /** Failures allowed per minute and address; 0 turns the limit off. */
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `address` may try again, or undefined when it may try now. */
  retryAfter(address: string): number | undefined {
    if (this.limit === 0) return undefined;
    const window = this.#windows.get(address);
    if (window === undefined || window.failures < this.limit) return undefined;
    const left = window.startedAt + WINDOW_MS - this.now();
    if (left <= 0) {
      this.#windows.delete(address);
      return undefined;
    }
    return Math.ceil(left / 1000);
  }

  /** Counts one failed authentication from `address`. */
  fail(address: string): void {
    if (this.limit === 0) return;
    const now = this.now();
    const window = this.#windows.get(address);
    if (window !== undefined && now - window.startedAt < WINDOW_MS) {
      window.failures++;
      return;
    }
    if (window === undefined && this.#windows.size >= MAX_ADDRESSES) this.#forgetExpired(now);
    this.#windows.set(address, { startedAt: now, failures: 1 });
  }

  #forgetExpired(now: number): void {
    for (const [address, window] of this.#windows)
      if (now - window.startedAt >= WINDOW_MS) this.#windows.delete(address);
    // Still full of live windows: the oldest go (Map iteration is insertion order).
    for (const address of this.#windows.keys()) {
      if (this.#windows.size < MAX_ADDRESSES) break;
      this.#windows.delete(address);
    }
  }
}
