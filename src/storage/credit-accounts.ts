/**
 * Credit holds on the request path. The gateway reserves, settles and releases through a `CreditAccounts`, not
 * the key store itself, so a backend can keep holds where they are cheapest:
 * - {@link StoreCreditAccounts} (Postgres, memory): every phase is the key store's atomic statement, and a
 *   settled charge is in the database before the answer leaves (`deferred: false`; `balance` is unknown, so a
 *   billing session settles before answering, to show the stored balance).
 * - `LocalCreditAccounts` (SQLite, one gateway process owning the file): holds live in memory and a settled
 *   charge rides on the request's usage record (`UsageRecord.credits`), applied to the key in the same
 *   transaction that inserts the row (`deferred: true`), so the hot path does no synchronous disk work.
 *
 * Both keep the key store's credits rule (key-store.ts): open holds never exceed what a key can pay.
 */
import type { Micros } from '../pricing/money.js';
import type { ApiKeyRecord, KeyStore, ReserveOptions, ReserveResult, SettleOptions } from './key-store.js';

/** A charge applied to a key's balance together with the usage row that carries it (one credit-ledger entry). */
export interface CreditCharge {
  keyId: string;
  /** Micro-dollars charged (> 0). */
  amount: Micros;
  /** Credit-ledger reason (the model, or a tool call's label). */
  reason: string;
  /** The budget period the charge counts in (epoch ms), as `budgetPeriodStart` gave it when settled. */
  budgetPeriodStart: number;
  /** Epoch ms of the settlement (the credit-ledger entry's `created_at`). */
  time: number;
}

export interface CreditSettlement {
  /** False when the hold was already gone (settled, released, expired): nothing was charged. */
  settled: boolean;
  charged: Micros;
  /** The balance after the charge, as this process sees it. */
  balance?: Micros;
  /** Set when the charge is deferred: the caller must write it with the request's usage record. */
  charge?: CreditCharge;
}

export interface CreditAccounts {
  /** True when settled charges are written with the usage record (`UsageRecord.credits`), not at once. */
  readonly deferred: boolean;
  /** True when holds live in shared storage and must be renewed by the lease heartbeat. */
  readonly leased: boolean;
  reserve(keyId: string, amount: Micros, options?: ReserveOptions): Promise<ReserveResult>;
  settle(reservationId: string, actualCost: Micros, options?: SettleOptions): Promise<CreditSettlement>;
  release(reservationId: string): Promise<boolean>;
  /**
   * The key as this process must show it: `balance`, `reserved`, `totalSpent` and `budgetSpent` include the
   * holds and charges not yet in the row `stored` was read from. Returns `stored` when nothing is pending.
   */
  current(stored: ApiKeyRecord): Promise<ApiKeyRecord>;
  /**
   * The key's balance as this process last knew it (charges included), without a storage read. When known, a
   * non-streamed answer shows it less its cost and settles its hold after the answer is written (decision 0022).
   */
  balance(keyId: string): Micros | undefined;
  /** Re-reads a key's settings and credits (after an admin change, here or in another process). */
  refresh(keyId: string): void;
  close(): Promise<void>;
}

/** Every phase is one atomic key-store statement (the shared-database path). */
export class StoreCreditAccounts implements CreditAccounts {
  readonly deferred = false;
  readonly leased = true;
  readonly #keys: KeyStore;

  constructor(keys: KeyStore) {
    this.#keys = keys;
  }

  reserve(keyId: string, amount: Micros, options?: ReserveOptions): Promise<ReserveResult> {
    return this.#keys.reserve(keyId, amount, options);
  }

  settle(reservationId: string, actualCost: Micros, options?: SettleOptions): Promise<CreditSettlement> {
    return this.#keys.settle(reservationId, actualCost, options);
  }

  release(reservationId: string): Promise<boolean> {
    return this.#keys.release(reservationId);
  }

  async current(stored: ApiKeyRecord): Promise<ApiKeyRecord> {
    return stored;
  }

  balance(): undefined {
    return undefined;
  }

  refresh(): void {}

  async close(): Promise<void> {}
}
