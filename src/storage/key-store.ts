/**
 * The key store: virtual API keys with their limits, prepaid credits and budgets, and the credit ledger.
 *
 * Credits rule (the same on every backend, atomically):
 * - `reserve(keyId, amount)` succeeds iff the key is enabled, not revoked, not expired, and
 *   (a) `balance − reserved ≥ amount` (skipped for `unlimitedCredits` keys), and
 *   (b) with a budget, `spentThisPeriod + reserved + amount ≤ budget.amount`.
 *   So open reservations never exceed the balance: N concurrent requests cannot overspend what they reserved.
 * - `settle(reservationId, actualCost)` drops the hold and charges `actualCost` in full (the upstream has been
 *   paid). The balance goes below zero only when a request cost more than its reservation, by that excess; after
 *   that every reservation fails until credits are added. Reserve the call's maximum cost
 *   ({@link PriceTable.maxCost}) to keep the balance at or above zero.
 * - `release(reservationId)` drops the hold without charging (the request failed before costing anything).
 * - Settling or releasing twice is a no-op (`settled: false`), so retries are safe.
 * - Reservations carry a short expiry their process keeps renewing (`renewReservations`, see LeaseKeeper);
 *   `releaseExpiredReservations()` frees the holds of a crashed process once they stop being renewed.
 *
 * Budget periods are calendar periods in UTC: day from 00:00, week from Monday 00:00, month from the 1st.
 */

import type { Micros } from '../pricing/money.js';
import type { CreditHistoryOptions, CreditLedgerEntry } from './credit-ledger.js';

export type BudgetPeriod = 'day' | 'week' | 'month';

export interface KeyBudget {
  amount: Micros;
  period: BudgetPeriod;
}

export interface ApiKeyRecord {
  id: string;
  name: string;
  /** Hash of the secret (see `hashApiKey`); the plaintext is never stored. */
  hash: string;
  /** `sk-lg-abcd…`, safe to show. */
  displayPrefix: string;
  metadata: Record<string, unknown>;
  /** Allowed model globs (`isModelAllowed`); null allows every model. */
  models: string[] | null;
  /**
   * MCP tools this key may use, as globs over `<server>.<tool>` (`fs.*` for a whole server); null allows every
   * tool the gateway's allow/deny lists allow, an empty list none.
   */
  mcpTools: string[] | null;
  rpm: number | null;
  tpm: number | null;
  maxParallel: number | null;
  budget: KeyBudget | null;
  /** Charged in the current budget period (0 when the key has no budget or the period just began). */
  budgetSpent: Micros;
  /** Epoch ms. */
  expiresAt: number | null;
  enabled: boolean;
  /** Epoch ms; a revoked key never authenticates again. */
  revokedAt: number | null;
  /** Reservations skip the balance check (budgets still apply); charges still lower the balance. */
  unlimitedCredits: boolean;
  balance: Micros;
  /** Sum of open reservations. */
  reserved: Micros;
  /** Lifetime charged usage. */
  totalSpent: Micros;
  createdAt: number;
  updatedAt: number;
}

/** Settings an admin can change after creation; `null` clears a limit. */
export interface KeyPatch {
  name?: string;
  metadata?: Record<string, unknown>;
  models?: string[] | null;
  mcpTools?: string[] | null;
  rpm?: number | null;
  tpm?: number | null;
  maxParallel?: number | null;
  budget?: KeyBudget | null;
  expiresAt?: number | null;
  enabled?: boolean;
  unlimitedCredits?: boolean;
}

export interface CreateKeyInput extends KeyPatch {
  name: string;
  /** Starting balance, recorded as an `add` ledger entry. Default 0. */
  credits?: Micros;
  creditReason?: string;
}

export interface CreatedKey {
  key: ApiKeyRecord;
  /** The secret, returned this once only. */
  plaintext: string;
}

export interface ListKeysOptions {
  includeRevoked?: boolean;
  /** Default 100, at most 1000. Newest first. */
  limit?: number;
  offset?: number;
}

export interface Reservation {
  id: string;
  keyId: string;
  amount: Micros;
  requestId: string | null;
  createdAt: number;
  expiresAt: number;
}

export type ReserveFailureReason =
  | 'not_found'
  | 'revoked'
  | 'disabled'
  | 'expired'
  | 'insufficient_credits'
  | 'budget_exceeded';

export type ReserveResult =
  | { ok: true; reservation: Reservation }
  | {
      ok: false;
      reason: ReserveFailureReason;
      /** What could still be reserved right now (credits or budget, whichever failed); 0 if none. */
      available: Micros;
    };

export interface ReserveOptions {
  requestId?: string;
  /** How long the hold lives if never settled. Default: the store's reservation TTL (15 minutes). */
  ttlMs?: number;
}

export interface SettleOptions {
  /** Ledger reason; default `'usage'`. The model name is a good choice. */
  reason?: string;
}

export interface SettleResult {
  /** False when the reservation was already settled, released or expired (nothing was charged). */
  settled: boolean;
  charged: Micros;
  /** Balance after the charge, when settled. */
  balance?: Micros;
}

/**
 * Every method is async and safe to call concurrently; the Postgres store is also safe across processes.
 *
 * @example
 * const { key, plaintext } = await keys.create({ name: 'alice', credits: parseDollars('5') });
 * const held = await keys.reserve(key.id, 2_000, { requestId: 'req_1' });
 * if (held.ok) await keys.settle(held.reservation.id, 1_234);
 */
export interface KeyStore {
  create(input: CreateKeyInput): Promise<CreatedKey>;
  /** Looks a key up by its stored hash (callers cache the result by hash and invalidate on change). */
  getByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  /** Hashes `plaintext` with the store's hasher (pepper) and looks it up. Revoked keys are returned too. */
  getByPlaintext(plaintext: string): Promise<ApiKeyRecord | undefined>;
  getById(id: string): Promise<ApiKeyRecord | undefined>;
  list(options?: ListKeysOptions): Promise<ApiKeyRecord[]>;
  /** Throws NotFoundError for an unknown id, BadRequestError for an invalid value. */
  update(id: string, patch: KeyPatch): Promise<ApiKeyRecord>;
  /** A new secret for the same key (id, balance, limits and history kept); the old secret stops working. */
  rotate(id: string): Promise<CreatedKey>;
  /** Revokes for good (the row and its history stay). Idempotent. */
  revoke(id: string): Promise<ApiKeyRecord>;
  /** Adds (or, negative, deducts) credits. */
  addCredits(id: string, amount: Micros, reason: string): Promise<CreditLedgerEntry>;
  /** Sets the balance; the ledger records the difference. */
  setCredits(id: string, amount: Micros, reason: string): Promise<CreditLedgerEntry>;
  creditHistory(id: string, options?: CreditHistoryOptions): Promise<CreditLedgerEntry[]>;
  reserve(keyId: string, amount: Micros, options?: ReserveOptions): Promise<ReserveResult>;
  settle(reservationId: string, actualCost: Micros, options?: SettleOptions): Promise<SettleResult>;
  /** Drops a hold without charging. Returns false if it no longer existed. */
  release(reservationId: string): Promise<boolean>;
  /**
   * Moves the expiry of live holds to `ttlMs` from now (one statement for all of them): the heartbeat of the
   * process that owns them. Unknown (settled, released, swept) ids are skipped. Returns how many were renewed.
   */
  renewReservations(reservationIds: readonly string[], ttlMs: number): Promise<number>;
  /** Releases holds whose expiry has passed; returns how many. Run it periodically (the lease heartbeat does). */
  releaseExpiredReservations(): Promise<number>;
  close(): Promise<void>;
}

export interface KeyStoreOptions {
  /** Hashes plaintext keys; default plain SHA-256 (`createApiKeyHasher(pepper)` for HMAC). */
  hasher?: (plaintext: string) => string;
  /** Clock in epoch ms (tests inject one). */
  now?: () => number;
  /** Default reservation lifetime in ms. Default 15 minutes. */
  reservationTtlMs?: number;
}
