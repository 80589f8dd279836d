/**
 * Credit holds in Redis, shared by every gateway process on one Postgres database: a hold is one Lua script
 * (CREDIT_RESERVE), a settlement another (CREDIT_SETTLE), each atomic across processes. One settlement call is
 * in flight per key at a time; the settlements that come while it runs go together in the next (0024). A
 * settled charge is returned as a {@link CreditCharge} that rides on the request's usage record; the Postgres
 * usage ledger applies it to the key in the statement that inserts the row (batched, off the request path).
 *
 * The same arithmetic as LocalCreditAccounts, with `spent` and `held` in Redis instead of memory: charges move
 * `balance` and `total_spent` alike, so `granted = balance + total_spent` is unchanged by batches landing and
 * each process reads it from Postgres (every `refreshIntervalMs` for keys in use, at once after an
 * invalidation); Redis counts `spent` (seeded from the row's `total_spent` the first time) and `held`. What a
 * key can pay is `granted − spent − held`, decided inside the script.
 *
 * Holds expire unless renewed (the lease heartbeat calls `renewReservations`); a crashed process's holds are
 * dropped by the next reservation on that key. While Redis is unreachable reservations fail (503), never fork
 * per process. If Redis loses an account (flushed, evicted), it is seeded again from the row, which lacks the
 * charges of batches not yet written (at most one flush interval's worth).
 */
import type { Micros } from '../../pricing/money.js';
import type { CreditAccounts, CreditCharge, CreditSettlement } from '../credit-accounts.js';
import { CreditKeyReader, DEFAULT_CREDIT_REFRESH_MS } from '../credit-key-reader.js';
import { budgetPeriodStart, generateReservationId, trackingPeriod, validateAmount } from '../key-rules.js';
import type {
  ApiKeyRecord,
  KeyStore,
  ReserveFailureReason,
  ReserveOptions,
  ReserveResult,
  SettleOptions,
} from '../key-store.js';
import { type StorageLogger, silentLogger } from '../storage-logger.js';
import { CoalescedCalls } from './coalesced-calls.js';
import type { RedisCounterStore } from './redis-counter-store.js';
import { creditRedisKeys, currentCreditAccount } from './redis-credit-account.js';
import { CREDIT_RELEASE, CREDIT_RENEW, CREDIT_RESERVE, CREDIT_SETTLE } from './redis-credit-scripts.js';

const DEFAULT_HOLD_TTL_MS = 15 * 60_000;
/** At most this many settlements in one script call (its argument list and reply stay small). */
const MAX_SETTLEMENTS_PER_CALL = 128;

interface Settlement {
  holdId: string;
  cost: Micros;
  periodStart: number;
}

interface SettlementOutcome {
  settled: boolean;
  /** The account's spend after the call (undefined when Redis has no account). */
  spent: Micros | undefined;
}

interface Known {
  key: ApiKeyRecord;
  granted: Micros;
  /** `spent` as Redis last answered (for the balance shown in a stream's headers). */
  spent: Micros;
  /** This process's open holds on the key (it is never forgotten while it has some). */
  holds: number;
  refreshedAt: number;
  usedAt: number;
}

export interface RedisCreditAccountsOptions {
  keys: KeyStore;
  redis: RedisCounterStore;
  refreshIntervalMs?: number;
  logger?: StorageLogger;
  now?: () => number;
}

export class RedisCreditAccounts implements CreditAccounts {
  readonly deferred = true;
  readonly leased = true;
  readonly refreshIntervalMs: number;
  readonly #keys: KeyStore;
  readonly #redis: RedisCounterStore;
  readonly #now: () => number;
  readonly #known: CreditKeyReader<Known>;
  /** This process's open holds: hold id → key id (the script needs the key's Redis keys). */
  readonly #holds = new Map<string, string>();
  /** Settlements go to Redis one call in flight per key, those that come meanwhile together (0024). */
  readonly #settling = new CoalescedCalls<Settlement, SettlementOutcome>(
    (keyId, settlements) => this.#settle(keyId, settlements),
    MAX_SETTLEMENTS_PER_CALL,
  );

  constructor(options: RedisCreditAccountsOptions) {
    this.#keys = options.keys;
    this.#redis = options.redis;
    this.#now = options.now ?? Date.now;
    this.refreshIntervalMs = options.refreshIntervalMs ?? DEFAULT_CREDIT_REFRESH_MS;
    this.#known = new CreditKeyReader<Known>({
      keys: options.keys,
      refreshIntervalMs: this.refreshIntervalMs,
      logger: options.logger ?? silentLogger,
      now: this.#now,
      create: (key, now) => ({
        key,
        granted: key.balance + key.totalSpent,
        spent: key.totalSpent,
        holds: 0,
        refreshedAt: now,
        usedAt: now,
      }),
      holding: (known) => known.holds > 0,
      holdsInProcess: false,
    });
  }

  async reserve(keyId: string, amount: Micros, options: ReserveOptions = {}): Promise<ReserveResult> {
    validateAmount(amount, 'amount', false);
    const admitted = await this.#known.admit(keyId);
    if (!admitted.ok) return admitted;
    const { entry: known, now } = admitted;
    const key = known.key;
    const id = generateReservationId();
    const expiresAt = now + (options.ttlMs ?? DEFAULT_HOLD_TTL_MS);
    const reply = (await this.#redis.shared(CREDIT_RESERVE, creditRedisKeys(this.#redis, keyId), [
      now,
      amount,
      id,
      expiresAt,
      known.granted,
      key.totalSpent,
      budgetPeriodStart(trackingPeriod(key.budget), now),
      key.budgetSpent,
      key.unlimitedCredits ? '1' : '0',
      key.budget === null ? -1 : key.budget.amount,
    ])) as [number, string, string?];
    if (reply[0] !== 1) {
      return { ok: false, reason: reply[1] as ReserveFailureReason, available: Number(reply[2] ?? 0) };
    }
    known.spent = Number(reply[1]);
    known.holds++;
    this.#holds.set(id, keyId);
    return {
      ok: true,
      reservation: { id, keyId, amount, requestId: options.requestId ?? null, createdAt: now, expiresAt },
    };
  }

  async settle(reservationId: string, actualCost: Micros, options: SettleOptions = {}): Promise<CreditSettlement> {
    validateAmount(actualCost, 'actualCost', false);
    const keyId = this.#holds.get(reservationId);
    if (keyId === undefined) return { settled: false, charged: 0 };
    this.#holds.delete(reservationId);
    const known = this.#known.get(keyId);
    if (known !== undefined) known.holds--;
    const now = this.#now();
    const start = budgetPeriodStart(trackingPeriod(known?.key.budget ?? null), now);
    const outcome = await this.#settling.run(keyId, { holdId: reservationId, cost: actualCost, periodStart: start });
    if (!outcome.settled) return { settled: false, charged: 0 };
    const result: CreditSettlement = { settled: true, charged: actualCost };
    if (known !== undefined) {
      known.spent = outcome.spent ?? known.spent;
      result.balance = known.granted - known.spent;
    }
    if (actualCost > 0) {
      const charge: CreditCharge = {
        keyId,
        amount: actualCost,
        reason: options.reason ?? 'usage',
        budgetPeriodStart: start,
        time: now,
      };
      result.charge = charge;
    }
    return result;
  }

  /** One CREDIT_SETTLE call for settlements of one key. */
  async #settle(keyId: string, settlements: readonly Settlement[]): Promise<SettlementOutcome[]> {
    const args: (string | number)[] = [];
    for (const settlement of settlements) args.push(settlement.holdId, settlement.cost, settlement.periodStart);
    const reply = (await this.#redis.shared(CREDIT_SETTLE, creditRedisKeys(this.#redis, keyId), args)) as [
      string | null,
      ...number[],
    ];
    const spent = reply[0] === null ? undefined : Number(reply[0]);
    return settlements.map((_settlement, index) => ({ settled: reply[index + 1] === 1, spent }));
  }

  async release(reservationId: string): Promise<boolean> {
    const keyId = this.#holds.get(reservationId);
    if (keyId === undefined) return false;
    this.#holds.delete(reservationId);
    const known = this.#known.get(keyId);
    if (known !== undefined) known.holds--;
    return (await this.#redis.shared(CREDIT_RELEASE, creditRedisKeys(this.#redis, keyId), [reservationId])) === 1;
  }

  /** The lease heartbeat: moves the expiry of this process's live holds (one script per key). */
  async renewReservations(reservationIds: readonly string[], ttlMs: number): Promise<number> {
    const byKey = new Map<string, string[]>();
    for (const id of reservationIds) {
      const keyId = this.#holds.get(id);
      if (keyId !== undefined) byKey.set(keyId, [...(byKey.get(keyId) ?? []), id]);
    }
    const expiresAt = this.#now() + ttlMs;
    const renewed = await Promise.all(
      [...byKey].map(([keyId, ids]) =>
        this.#redis.shared(CREDIT_RENEW, [creditRedisKeys(this.#redis, keyId)[2]], [expiresAt, ...ids]),
      ),
    );
    return renewed.reduce<number>((sum, count) => sum + Number(count), 0);
  }

  /**
   * Expired holds in Redis are dropped by the next reservation on their key (inside CREDIT_RESERVE); this
   * sweeps the key store's own (taken by a gateway version that held credits in Postgres).
   */
  releaseExpiredReservations(): Promise<number> {
    return this.#keys.releaseExpiredReservations();
  }

  balance(keyId: string): Micros | undefined {
    const known = this.#known.get(keyId);
    return known === undefined ? undefined : known.granted - known.spent;
  }

  current(stored: ApiKeyRecord): Promise<ApiKeyRecord> {
    return currentCreditAccount(this.#redis, stored, this.#now());
  }

  refresh(keyId: string): void {
    this.#known.refresh(keyId);
  }

  close(): Promise<void> {
    return this.#known.close();
  }
}
