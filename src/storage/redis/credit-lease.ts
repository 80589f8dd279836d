/**
 * One process's slice of one key's credits (decision 0025) and the arithmetic done on it in memory: holds taken
 * from it and dropped, charges added to its running totals. LeasedCreditAccounts decides when Redis is called.
 */
import type { Micros } from '../../pricing/money.js';
import { generateReservationId } from '../key-rules.js';
import type { ReserveFailureReason } from '../key-store.js';

export type Waiter =
  | {
      kind: 'reserve';
      amount: Micros;
      /** Already asked once more after other processes were pressed to give back their unused slices. */
      retried?: boolean;
      resolve(outcome: Refusal | undefined): void;
      reject(error: unknown): void;
    }
  | { kind: 'report'; resolve(): void };

export interface Refusal {
  reason: ReserveFailureReason;
  available: Micros;
}

/** One process's slice of one key's credits. */
export interface Lease {
  keyId: string;
  /** The hold's id in Redis, and the name its charge totals are kept under. */
  owner: string;
  /** The slice's size as Redis last set it. */
  size: Micros;
  expiresAt: number;
  /** Open holds against the slice. */
  held: Micros;
  holds: number;
  /** Everything settled on this lease, and what Redis has acknowledged of it. */
  total: Micros;
  reported: Micros;
  /** The budget period of the latest charge and the total charged in it. */
  periodStart: number;
  periodTotal: Micros;
  /** Hold amounts taken since the previous call was sent (sizes the next slice). */
  demand: Micros;
  /** While a call is out: what holds may still take from the old slice, which the call keeps. */
  flight: { allowance: Micros; used: Micros } | undefined;
  /** A call failed: whether it resized the slice is unknown until the next one answers. */
  uncertain: boolean;
  /** Another process ran short on this key: the next call gives back what no open hold uses. */
  squeezed: boolean;
  /** When this process last pressed the others to give back their unused slices of the key. */
  pressedAt: number;
  /** Refused holds waiting to ask again (the lease stays while they wait). */
  retrying: number;
  queue: Waiter[];
  usedAt: number;
}

/** Charges settled on the lease that Redis has not acknowledged yet (the slice still covers them). */
export function unreported(lease: Lease): Micros {
  return lease.total - lease.reported;
}

/** What the slice can still give to new holds. */
export function free(lease: Lease): Micros {
  return lease.size - lease.held - unreported(lease);
}

/** A slice not yet sized by Redis: its first hold makes the first call. */
export function newLease(keyId: string, now: number): Lease {
  return {
    keyId,
    owner: generateReservationId(),
    size: 0,
    expiresAt: 0,
    held: 0,
    holds: 0,
    total: 0,
    reported: 0,
    periodStart: 0,
    periodTotal: 0,
    demand: 0,
    flight: undefined,
    uncertain: false,
    squeezed: false,
    pressedAt: Number.NEGATIVE_INFINITY,
    retrying: 0,
    queue: [],
    usedAt: now,
  };
}

/**
 * A hold from the slice without a round trip, when it is known to cover it and has a third of `ttlMs` left
 * (while a call is out, only from what that call keeps).
 */
export function takeFromSlice(lease: Lease, amount: Micros, now: number, ttlMs: number): boolean {
  const flight = lease.flight;
  if (flight !== undefined) {
    if (flight.used + amount > flight.allowance) return false;
    flight.used += amount;
  } else if (lease.uncertain || now > lease.expiresAt - ttlMs / 3 || free(lease) < amount) return false;
  lease.held += amount;
  lease.holds++;
  lease.demand += amount;
  return true;
}

/** A hold settled or released: its amount no longer held. */
export function dropHold(lease: Lease, amount: Micros): void {
  lease.held -= amount;
  lease.holds--;
}

/** A settled charge added to the lease's running totals (overall, and in the budget period it belongs to). */
export function addCharge(lease: Lease, amount: Micros, periodStart: number): void {
  lease.total += amount;
  if (lease.periodStart !== periodStart) {
    lease.periodStart = periodStart;
    lease.periodTotal = 0;
  }
  lease.periodTotal += amount;
}
