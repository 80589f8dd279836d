/**
 * The heartbeat of a process's leases: the credit holds (key store reservations) and max-parallel slots
 * (counter store) of its requests in flight. Leases are taken with a short TTL; one timer per process renews
 * all live ones every third of it (one statement for the holds, one round trip for the slots) and releases the
 * holds that expired, so a crashed process's slots and holds free within about one TTL instead of blocking its
 * keys elsewhere. Nothing here runs on a request's path: taking and dropping a lease are set operations.
 */
import type { CounterStore, SlotLease } from './counter-store.js';
import type { KeyStore } from './key-store.js';
import { type StorageLogger, silentLogger } from './storage-logger.js';

export const DEFAULT_LEASE_TTL_MS = 15_000;

export interface LeaseKeeperOptions {
  /** Where the holds live: the key store, or credit accounts that keep them elsewhere (Redis). */
  keys: Pick<KeyStore, 'renewReservations' | 'releaseExpiredReservations'>;
  counters: CounterStore;
  /** Lifetime of a lease unless renewed. Default 15 s; renewed every third of it. */
  ttlMs?: number;
  /** Also release expired holds (of any process) on each beat. Default true. */
  sweep?: boolean;
  logger?: StorageLogger;
}

/**
 * @example
 * const leases = new LeaseKeeper({ keys, counters });
 * leases.start();
 * const held = await keys.reserve(key.id, amount, { ttlMs: leases.ttlMs });
 * if (held.ok) leases.holdReservation(held.reservation.id);
 * // … settle, then:
 * leases.dropReservation(held.reservation.id);
 */
export class LeaseKeeper {
  readonly ttlMs: number;
  readonly #keys: Pick<KeyStore, 'renewReservations' | 'releaseExpiredReservations'>;
  readonly #counters: CounterStore;
  readonly #sweep: boolean;
  readonly #logger: StorageLogger;
  readonly #reservations = new Set<string>();
  readonly #slots = new Set<SlotLease>();
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> | undefined;

  constructor(options: LeaseKeeperOptions) {
    this.ttlMs = options.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    if (!Number.isSafeInteger(this.ttlMs) || this.ttlMs < 3) throw new RangeError('ttlMs must be an integer ≥ 3');
    this.#keys = options.keys;
    this.#counters = options.counters;
    this.#sweep = options.sweep ?? true;
    this.#logger = options.logger ?? silentLogger;
  }

  /** How often the leases are renewed: a third of the TTL, so one missed beat still leaves time. */
  get intervalMs(): number {
    return Math.floor(this.ttlMs / 3);
  }

  /** Live leases (for tests and metrics). */
  get size(): { reservations: number; slots: number } {
    return { reservations: this.#reservations.size, slots: this.#slots.size };
  }

  holdReservation(reservationId: string): void {
    this.#reservations.add(reservationId);
  }

  dropReservation(reservationId: string): void {
    this.#reservations.delete(reservationId);
  }

  holdSlot(lease: SlotLease): void {
    this.#slots.add(lease);
  }

  dropSlot(lease: SlotLease): void {
    this.#slots.delete(lease);
  }

  /** Starts the one timer (unref'd: it never keeps the process alive). Idempotent. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.beat(), this.intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a beat in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#beating;
  }

  /** Renews every live lease, then releases expired holds. Never throws; a beat still running is not doubled. */
  beat(): Promise<void> {
    this.#beating ??= this.#beat().finally(() => {
      this.#beating = undefined;
    });
    return this.#beating;
  }

  async #beat(): Promise<void> {
    const reservations = [...this.#reservations];
    const slots = [...this.#slots];
    await Promise.all([
      reservations.length === 0
        ? undefined
        : this.#keys
            .renewReservations(reservations, this.ttlMs)
            .catch((error: unknown) => this.#logger.warn({ err: error }, 'renewing credit holds failed')),
      slots.length === 0
        ? undefined
        : this.#counters
            .renewSlots(slots, this.ttlMs)
            .catch((error: unknown) => this.#logger.warn({ err: error }, 'renewing parallel slots failed')),
    ]);
    if (!this.#sweep) return;
    try {
      const released = await this.#keys.releaseExpiredReservations();
      if (released > 0)
        this.#logger.warn({ released }, 'released expired credit holds (a process stopped renewing them)');
    } catch (error) {
      this.#logger.warn({ err: error }, 'releasing expired credit holds failed');
    }
  }
}
