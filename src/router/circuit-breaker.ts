/** `healthy`: in use; `cooling-down`: skipped until its period ends; `half-open`: one trial request at a time. */
export type BreakerState = 'healthy' | 'cooling-down' | 'half-open';

export interface CooldownPolicy {
  /** Consecutive counted failures that open the breaker. */
  failures: number;
  /** First cool-down; doubled after each failed trial, up to `maxPeriodMs`. */
  periodMs: number;
  maxPeriodMs: number;
}

/**
 * A per-backend circuit breaker. After `failures` consecutive failures the backend cools down; when the period
 * ends it is half-open and the next request is a trial: success closes the breaker, failure re-opens it for
 * twice as long. Time is wall-clock milliseconds (injected for tests).
 */
export class CircuitBreaker {
  #consecutiveFailures = 0;
  #tripped = false;
  #until = 0;
  #trips = 0;
  #trialInFlight = false;

  constructor(
    private readonly policy: CooldownPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (!this.#tripped) return 'healthy';
    return this.now() < this.#until ? 'cooling-down' : 'half-open';
  }

  get consecutiveFailures(): number {
    return this.#consecutiveFailures;
  }

  /** When a cool-down ends (wall-clock ms), while cooling down. */
  get cooldownUntil(): number | undefined {
    return this.#tripped ? this.#until : undefined;
  }

  /** When the backend may be tried again, or undefined when it may be tried now. */
  blockedUntil(): number | undefined {
    const state = this.state;
    if (state === 'healthy') return undefined;
    if (state === 'cooling-down') return this.#until;
    // Half-open with its one trial running: others wait for the verdict, at most a short while.
    return this.#trialInFlight ? this.now() + Math.min(this.policy.periodMs, 1_000) : undefined;
  }

  /** Marks an attempt's start; true when it is the half-open trial. */
  begin(): boolean {
    if (this.state !== 'half-open' || this.#trialInFlight) return false;
    this.#trialInFlight = true;
    return true;
  }

  success(trial: boolean): void {
    if (!this.#tripped) {
      this.#consecutiveFailures = 0;
      return;
    }
    // A request that started before the breaker opened proves nothing about the backend now.
    if (trial || this.state === 'half-open') this.#close();
  }

  /** A failure that says the backend is unwell (see `countsAgainstBackend`: connection, timeout, overload). */
  failure(trial: boolean, retryAfterMs?: number): void {
    if (trial) this.#trialInFlight = false;
    this.#consecutiveFailures++;
    if (!this.#tripped) {
      if (this.#consecutiveFailures >= this.policy.failures) this.#open(retryAfterMs);
      return;
    }
    if (trial || this.state === 'half-open') this.#open(retryAfterMs);
  }

  /** An attempt that ended without a verdict (client went away, request-level error): frees the trial slot. */
  abandon(trial: boolean): void {
    if (trial) this.#trialInFlight = false;
  }

  /**
   * For a backend with no alternative: rather than refusing everyone until the cool-down ends, let the next
   * request through as the half-open trial (one at a time). True when a trial may start now.
   */
  allowProbe(): boolean {
    if (!this.#tripped || this.#trialInFlight) return false;
    if (this.state === 'cooling-down') this.#until = this.now();
    return true;
  }

  /** A passing health check ends a cool-down early: the next request becomes the trial. */
  checkPassed(): void {
    if (this.state === 'cooling-down') this.#until = this.now();
  }

  #open(retryAfterMs: number | undefined): void {
    this.#trips++;
    const period = Math.min(this.policy.maxPeriodMs, this.policy.periodMs * 2 ** (this.#trips - 1));
    this.#until = this.now() + Math.max(period, retryAfterMs ?? 0);
    this.#tripped = true;
    this.#trialInFlight = false;
  }

  #close(): void {
    this.#tripped = false;
    this.#consecutiveFailures = 0;
    this.#trips = 0;
    this.#trialInFlight = false;
  }
}
