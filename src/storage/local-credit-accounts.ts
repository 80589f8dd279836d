/**
 * Credit holds in this process's memory, for a database file one gateway process owns (SQLite). Reserving,
 * settling and releasing are arithmetic on an in-memory account; a settled charge is returned as a
 * {@link CreditCharge} that the caller writes with the request's usage record, and the usage ledger applies it
 * to the key's balance in the transaction that inserts the row (a debit and its ledger row commit, or are lost
 * in a crash, together; a retried batch applies neither twice).
 *
 * Why the view stays exact while charges are in flight: charges move `balance` and `total_spent` by the same
 * amount, so `balance + total_spent` (what the key was ever granted) does not change when a batch lands. An
 * account keeps `granted` from the last row read and counts `spent` itself (the row's `total_spent` when first
 * read, plus every charge settled since); what the key can pay is `granted − spent − held`. Re-reading the row
 * (every `refreshIntervalMs` for keys in use, and before admitting a key not read for twice that) updates
 * `granted` and the settings, so credits added or a key revoked by another process (the CLI, an admin tool)
 * take effect within the interval.
 *
 * Holds die with the process, so nothing needs to expire them after a crash. Two gateway processes on one
 * SQLite file would each see only their own holds: share credits across processes with Postgres + Redis.
 */
import type { Micros } from '../pricing/money.js';
import type { CreditAccounts, CreditCharge, CreditSettlement } from './credit-accounts.js';
import { CreditKeyReader, DEFAULT_CREDIT_REFRESH_MS } from './credit-key-reader.js';
import { budgetPeriodStart, generateReservationId, trackingPeriod, validateAmount } from './key-rules.js';
import type { ApiKeyRecord, KeyStore, ReserveOptions, ReserveResult, SettleOptions } from './key-store.js';
import { type StorageLogger, silentLogger } from './storage-logger.js';

/** The expiry a reservation reports when none was asked for (holds here live as long as the process). */
const REPORTED_HOLD_TTL_MS = 10 * 60_000;

interface Account {
  key: ApiKeyRecord;
  /** `balance + total_spent` of the last row read: unchanged by charges, changed by admin credit changes. */
  granted: Micros;
  /** `total_spent` when first read plus every charge settled here since (landed in the row or not). */
  spent: Micros;
  /** The budget period `periodSpent` belongs to. */
  periodStart: number;
  periodSpent: Micros;
  /** Sum of open holds. */
  held: Micros;
  refreshedAt: number;
  usedAt: number;
}

interface Hold {
  keyId: string;
  amount: Micros;
}

export interface LocalCreditAccountsOptions {
  keys: KeyStore;
  /** How often keys in use are re-read from the database. Default 500 ms. */
  refreshIntervalMs?: number;
  logger?: StorageLogger;
  /** Clock in epoch ms (tests). */
  now?: () => number;
}

export class LocalCreditAccounts implements CreditAccounts {
  readonly deferred = true;
  readonly leased = false;
  readonly refreshIntervalMs: number;
  readonly #now: () => number;
  readonly #accounts: CreditKeyReader<Account>;
  readonly #holds = new Map<string, Hold>();

  constructor(options: LocalCreditAccountsOptions) {
    this.#now = options.now ?? Date.now;
    this.refreshIntervalMs = options.refreshIntervalMs ?? DEFAULT_CREDIT_REFRESH_MS;
    this.#accounts = new CreditKeyReader<Account>({
      keys: options.keys,
      refreshIntervalMs: this.refreshIntervalMs,
      logger: options.logger ?? silentLogger,
      now: this.#now,
      create: (key, now) => ({
        key,
        granted: key.balance + key.totalSpent,
        spent: key.totalSpent,
        periodStart: budgetPeriodStart(trackingPeriod(key.budget), now),
        periodSpent: key.budgetSpent,
        held: 0,
        refreshedAt: now,
        usedAt: now,
      }),
      holding: (account) => account.held > 0,
      holdsInProcess: true,
    });
  }

  async reserve(keyId: string, amount: Micros, options: ReserveOptions = {}): Promise<ReserveResult> {
    validateAmount(amount, 'amount', false);
    const admitted = await this.#accounts.admit(keyId);
    // From here to the hold nothing awaits: the check and the hold are one step for every caller.
    if (!admitted.ok) return admitted;
    const { entry: account, now } = admitted;
    const key = account.key;
    const creditsLeft = account.granted - account.spent - account.held;
    if (!key.unlimitedCredits && creditsLeft < amount) {
      return { ok: false, reason: 'insufficient_credits', available: Math.max(creditsLeft, 0) };
    }
    if (key.budget !== null) {
      const budgetLeft = key.budget.amount - periodSpent(account, now) - account.held;
      if (budgetLeft < amount) return { ok: false, reason: 'budget_exceeded', available: Math.max(budgetLeft, 0) };
    }
    const id = generateReservationId();
    this.#holds.set(id, { keyId, amount });
    account.held += amount;
    return {
      ok: true,
      reservation: {
        id,
        keyId,
        amount,
        requestId: options.requestId ?? null,
        createdAt: now,
        expiresAt: now + (options.ttlMs ?? REPORTED_HOLD_TTL_MS),
      },
    };
  }

  async settle(reservationId: string, actualCost: Micros, options: SettleOptions = {}): Promise<CreditSettlement> {
    validateAmount(actualCost, 'actualCost', false);
    const hold = this.#holds.get(reservationId);
    const account = hold === undefined ? undefined : this.#accounts.get(hold.keyId);
    if (hold === undefined || account === undefined) return { settled: false, charged: 0 };
    this.#holds.delete(reservationId);
    account.held -= hold.amount;
    const now = this.#now();
    const result: CreditSettlement = { settled: true, charged: actualCost };
    if (actualCost > 0) {
      const start = budgetPeriodStart(trackingPeriod(account.key.budget), now);
      account.periodSpent = periodSpent(account, now) + actualCost;
      account.periodStart = start;
      account.spent += actualCost;
      const charge: CreditCharge = {
        keyId: hold.keyId,
        amount: actualCost,
        reason: options.reason ?? 'usage',
        budgetPeriodStart: start,
        time: now,
      };
      result.charge = charge;
    }
    result.balance = account.granted - account.spent;
    return result;
  }

  async release(reservationId: string): Promise<boolean> {
    const hold = this.#holds.get(reservationId);
    if (hold === undefined) return false;
    this.#holds.delete(reservationId);
    const account = this.#accounts.get(hold.keyId);
    if (account !== undefined) account.held -= hold.amount;
    return true;
  }

  balance(keyId: string): Micros | undefined {
    const account = this.#accounts.get(keyId);
    return account === undefined ? undefined : account.granted - account.spent;
  }

  async current(stored: ApiKeyRecord): Promise<ApiKeyRecord> {
    const account = this.#accounts.get(stored.id);
    if (account === undefined) return stored;
    const granted = stored.balance + stored.totalSpent;
    return {
      ...stored,
      balance: granted - account.spent,
      reserved: account.held,
      totalSpent: account.spent,
      budgetSpent: periodSpent(account, this.#now()),
    };
  }

  refresh(keyId: string): void {
    this.#accounts.refresh(keyId);
  }

  close(): Promise<void> {
    return this.#accounts.close();
  }

  /** Open holds and loaded accounts (tests, metrics). */
  get size(): { accounts: number; holds: number } {
    return { accounts: this.#accounts.size, holds: this.#holds.size };
  }
}

/** What the account has spent in the budget period containing `now` (0 once a new period began). */
function periodSpent(account: Account, now: number): Micros {
  return account.periodStart === budgetPeriodStart(trackingPeriod(account.key.budget), now) ? account.periodSpent : 0;
}
