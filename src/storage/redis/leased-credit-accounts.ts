/**
 * Credit holds in Redis through per-process leases (`BILLING_CREDIT_LEASES`, decision 0025): a process takes a
 * slice of a key's credits in Redis (one hold under its lease's owner id, CREDIT_LEASE) and admits and settles
 * requests against it in memory, so neither costs a round trip while the slice lasts. Charges reach Redis when
 * the slice needs resizing and, at the latest, just before the usage rows that carry them are written
 * (`reportCharges`); one call is in flight per key, and what comes meanwhile goes in the next. Each call also
 * resizes the slice to what was asked for since the previous one.
 *
 * What it keeps from RedisCreditAccounts: no overdraft across processes (a slice is a hold; what a key can pay
 * is still decided inside one script), each charge once (the owner's charges go as running totals, whose counted
 * part Redis keeps for a day, so a call sent again after a timeout adds nothing twice), a crashed process's
 * slice freed within the lease TTL, and revocations within the refresh interval. Near a key's last credits, a
 * process short of credit while other slices hold some publishes "pressure" for the key: the others give back
 * what their open holds do not use, and the refused hold asks once more after `pressureRetryMs` (a refusal there
 * takes that much longer). What it changes: `reserved` in views includes unused slices.
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
import { DEFAULT_LEASE_TTL_MS } from '../lease-keeper.js';
import { type StorageLogger, silentLogger } from '../storage-logger.js';
import {
  addCharge,
  dropHold,
  free,
  type Lease,
  newLease,
  type Refusal,
  takeFromSlice,
  unreported,
  type Waiter,
} from './credit-lease.js';
import type { RedisCounterStore } from './redis-counter-store.js';
import { creditRedisKeys, currentCreditAccount } from './redis-credit-account.js';
import { CREDIT_LEASE, CREDIT_RENEW } from './redis-credit-scripts.js';

/** The pub/sub topic on which a process that ran short on a key asks the others for their unused slices. */
const PRESSURE_TOPIC = 'credit-lease-pressure';
const DEFAULT_PRESSURE_RETRY_MS = 50;

interface Known {
  key: ApiKeyRecord;
  granted: Micros;
  /** `spent` as Redis last answered. */
  spent: Micros;
  refreshedAt: number;
  usedAt: number;
  lease: Lease | undefined;
}

/** What this process's leases did since it started (`llamagate_credit_lease_events_total`). */
export interface CreditLeaseStats {
  /** Calls to Redis for a slice (resizing it, reporting charges), answered or failed. */
  calls: number;
  callsFailed: number;
  /** Pressure this process published (short of credit) and acted on (gave back unused slices). */
  pressureSent: number;
  pressureReceived: number;
  /** Holds that asked once more after pressure: admitted, or refused for good. */
  retriesAdmitted: number;
  retriesRefused: number;
}

export interface LeasedCreditAccountsOptions {
  keys: KeyStore;
  redis: RedisCounterStore;
  /** Lifetime of a slice unless renewed or resized. Default 15 s (`BILLING_LEASE_TTL`). */
  leaseTtlMs?: number;
  /**
   * How long a hold the key could not cover waits, after pressing the other processes to give back their unused
   * slices, before it asks once more (and is refused if it is still short). Default 50 ms.
   */
  pressureRetryMs?: number;
  refreshIntervalMs?: number;
  logger?: StorageLogger;
  now?: () => number;
}

export class LeasedCreditAccounts implements CreditAccounts {
  readonly deferred = true;
  readonly leased = true;
  readonly refreshIntervalMs: number;
  readonly leaseTtlMs: number;
  readonly #keys: KeyStore;
  readonly #redis: RedisCounterStore;
  readonly #now: () => number;
  readonly #logger: StorageLogger;
  readonly #known: CreditKeyReader<Known>;
  /** This process's open holds: hold id → its lease and amount. */
  readonly #holds = new Map<string, { lease: Lease; amount: Micros }>();
  readonly #leases = new Set<Lease>();
  readonly #timer: NodeJS.Timeout;
  readonly #pressureRetryMs: number;
  readonly #stats: CreditLeaseStats = {
    calls: 0,
    callsFailed: 0,
    pressureSent: 0,
    pressureReceived: 0,
    retriesAdmitted: 0,
    retriesRefused: 0,
  };
  /** Resolves with the function that stops listening to other processes' pressure. */
  readonly #listening: Promise<() => Promise<void>>;
  #beating: Promise<void> | undefined;

  constructor(options: LeasedCreditAccountsOptions) {
    this.#keys = options.keys;
    this.#redis = options.redis;
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger ?? silentLogger;
    this.leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.refreshIntervalMs = options.refreshIntervalMs ?? DEFAULT_CREDIT_REFRESH_MS;
    this.#known = new CreditKeyReader<Known>({
      keys: options.keys,
      refreshIntervalMs: this.refreshIntervalMs,
      logger: this.#logger,
      now: this.#now,
      create: (key, now) => ({
        key,
        granted: key.balance + key.totalSpent,
        spent: key.totalSpent,
        refreshedAt: now,
        usedAt: now,
        lease: undefined,
      }),
      holding: (known) => known.lease !== undefined,
      holdsInProcess: false,
    });
    this.#timer = setInterval(() => void this.beat(), Math.floor(this.leaseTtlMs / 3));
    this.#timer.unref();
    this.#pressureRetryMs = options.pressureRetryMs ?? DEFAULT_PRESSURE_RETRY_MS;
    this.#listening = this.#redis.subscribe(PRESSURE_TOPIC, (message) => this.#pressed(message));
  }

  async reserve(keyId: string, amount: Micros, options: ReserveOptions = {}): Promise<ReserveResult> {
    validateAmount(amount, 'amount', false);
    const admitted = await this.#known.admit(keyId);
    if (!admitted.ok) return admitted;
    const { entry: known, now } = admitted;
    let lease = known.lease;
    if (lease === undefined) {
      lease = newLease(keyId, now);
      this.#leases.add(lease);
      known.lease = lease;
    }
    lease.usedAt = now;
    if (!takeFromSlice(lease, amount, now, this.leaseTtlMs)) {
      const refusal = await new Promise<Refusal | undefined>((resolve, reject) =>
        this.#enqueue(lease, { kind: 'reserve', amount, resolve, reject }),
      );
      if (refusal !== undefined) return { ok: false, ...refusal };
    }
    const id = generateReservationId();
    this.#holds.set(id, { lease, amount });
    return {
      ok: true,
      reservation: {
        id,
        keyId,
        amount,
        requestId: options.requestId ?? null,
        createdAt: now,
        expiresAt: lease.expiresAt,
      },
    };
  }

  async settle(reservationId: string, actualCost: Micros, options: SettleOptions = {}): Promise<CreditSettlement> {
    validateAmount(actualCost, 'actualCost', false);
    const hold = this.#holds.get(reservationId);
    if (hold === undefined) return { settled: false, charged: 0 };
    this.#holds.delete(reservationId);
    const lease = hold.lease;
    dropHold(lease, hold.amount);
    const now = this.#now();
    lease.usedAt = now;
    const known = this.#known.get(lease.keyId);
    const start = budgetPeriodStart(trackingPeriod(known?.key.budget ?? null), now);
    const result: CreditSettlement = { settled: true, charged: actualCost };
    if (actualCost > 0) {
      addCharge(lease, actualCost, start);
      const charge: CreditCharge = {
        keyId: lease.keyId,
        amount: actualCost,
        reason: options.reason ?? 'usage',
        budgetPeriodStart: start,
        time: now,
      };
      result.charge = charge;
    }
    if (known !== undefined) result.balance = known.granted - known.spent - unreported(lease);
    return result;
  }

  async release(reservationId: string): Promise<boolean> {
    const hold = this.#holds.get(reservationId);
    if (hold === undefined) return false;
    this.#holds.delete(reservationId);
    dropHold(hold.lease, hold.amount);
    return true;
  }

  /**
   * Sends every lease's charges not yet in Redis (one call per key, sharing any in flight). The usage writer
   * calls it before appending rows, so a charge reaches Postgres only once Redis counts it and a crash cannot
   * leave a row Redis never saw. Never throws: a failed call is logged and its charges go with the next.
   */
  async reportCharges(): Promise<void> {
    const reports: Promise<void>[] = [];
    for (const lease of this.#leases)
      if (unreported(lease) > 0 || lease.uncertain)
        reports.push(new Promise<void>((resolve) => this.#enqueue(lease, { kind: 'report', resolve })));
    await Promise.all(reports);
  }

  /** Holds live in this process's slices, which the beat renews: nothing per hold to renew in Redis. */
  async renewReservations(reservationIds: readonly string[]): Promise<number> {
    return reservationIds.filter((id) => this.#holds.has(id)).length;
  }

  /** Holds taken in the key store by a gateway version that held credits in Postgres. */
  releaseExpiredReservations(): Promise<number> {
    return this.#keys.releaseExpiredReservations();
  }

  balance(keyId: string): Micros | undefined {
    const known = this.#known.get(keyId);
    if (known === undefined) return undefined;
    return known.granted - known.spent - (known.lease === undefined ? 0 : unreported(known.lease));
  }

  /**
   * The key as Redis counts it, once this process's charges on it are there; this process's own slice counts
   * as reserved only for its open holds (other processes' slices, and their charges until their usage rows are
   * written, show as reserved).
   */
  async current(stored: ApiKeyRecord): Promise<ApiKeyRecord> {
    const lease = this.#known.get(stored.id)?.lease;
    if (lease !== undefined && (unreported(lease) > 0 || lease.flight !== undefined || lease.uncertain))
      await new Promise<void>((resolve) => this.#enqueue(lease, { kind: 'report', resolve }));
    const now = this.#now();
    const account = await currentCreditAccount(this.#redis, stored, now);
    // Only a slice known to match Redis's (no call out or failed, not expired) can be taken out of `reserved`.
    if (
      lease === undefined ||
      lease.flight !== undefined ||
      lease.uncertain ||
      now >= lease.expiresAt ||
      !this.#leases.has(lease)
    )
      return account;
    return { ...account, reserved: Math.max(0, account.reserved - free(lease)) };
  }

  refresh(keyId: string): void {
    this.#known.refresh(keyId);
  }

  /**
   * Every third of the lease TTL: renews the slices with holds open, and gives back those unused since the
   * previous beat (so another process can have those credits).
   */
  beat(): Promise<void> {
    this.#beating ??= this.#beat().finally(() => {
      this.#beating = undefined;
    });
    return this.#beating;
  }

  async #beat(): Promise<void> {
    const idleSince = this.#now() - Math.floor(this.leaseTtlMs / 3);
    const renew: Lease[] = [];
    for (const lease of this.#leases) {
      if (lease.flight !== undefined || lease.queue.length > 0) continue;
      if (lease.holds === 0 && lease.usedAt <= idleSince) this.#enqueue(lease, { kind: 'report', resolve: () => {} });
      else renew.push(lease);
    }
    const expiresAt = this.#now() + this.leaseTtlMs;
    await Promise.all(
      renew.map(async (lease) => {
        try {
          if (
            (await this.#redis.shared(
              CREDIT_RENEW,
              [creditRedisKeys(this.#redis, lease.keyId)[2]],
              [expiresAt, lease.owner],
            )) === 1
          )
            lease.expiresAt = expiresAt;
        } catch (error) {
          this.#logger.warn({ err: error, keyId: lease.keyId }, 'renewing a credit lease failed');
        }
      }),
    );
  }

  /** Gives every slice back (charges reported), then stops reading keys. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await (await this.#listening)();
    await this.#beating;
    await Promise.all(
      [...this.#leases].map(
        (lease) =>
          new Promise<void>((resolve) => {
            lease.usedAt = Number.NEGATIVE_INFINITY;
            this.#enqueue(lease, { kind: 'report', resolve });
          }),
      ),
    );
    await this.#known.close();
  }

  get stats(): CreditLeaseStats {
    return { ...this.#stats };
  }

  /** The leases of this process (for tests). */
  get leases(): ReadonlyMap<string, { size: Micros; held: Micros }> {
    return new Map([...this.#leases].map((lease) => [lease.keyId, { size: lease.size, held: lease.held }]));
  }

  #enqueue(lease: Lease, waiter: Waiter): void {
    lease.queue.push(waiter);
    if (lease.flight === undefined) void this.#call(lease);
  }

  /**
   * Tells the other processes that this one ran short on the lease's key (at most once per retry interval),
   * and queues the refused holds again once they have had time to give back their unused slices.
   */
  #press(lease: Lease, retry: readonly Waiter[], now: number): void {
    if (now - lease.pressedAt >= this.#pressureRetryMs) {
      lease.pressedAt = now;
      this.#stats.pressureSent++;
      this.#redis.publish(PRESSURE_TOPIC, `${lease.owner} ${lease.keyId}`).catch((error: unknown) => {
        this.#logger.warn({ err: error, keyId: lease.keyId }, 'pressing other processes for credit failed');
      });
    }
    lease.retrying += retry.length;
    setTimeout(() => {
      lease.retrying -= retry.length;
      for (const waiter of retry) this.#enqueue(lease, waiter);
    }, this.#pressureRetryMs);
  }

  /** Another process ran short on a key this one has a slice of: give back what no open hold uses. */
  #pressed(message: string): void {
    const space = message.indexOf(' ');
    const owner = message.slice(0, space);
    const lease = this.#known.get(message.slice(space + 1))?.lease;
    if (lease === undefined || lease.owner === owner) return;
    this.#stats.pressureReceived++;
    lease.squeezed = true;
    this.#enqueue(lease, { kind: 'report', resolve: () => {} });
  }

  /** One CREDIT_LEASE call: reports the lease's charges and sizes its slice for the waiters and recent demand. */
  async #call(lease: Lease): Promise<void> {
    const waiters = lease.queue.splice(0);
    const now = this.#now();
    const known = this.#known.get(lease.keyId);
    let pending = 0;
    for (const waiter of waiters) if (waiter.kind === 'reserve') pending += waiter.amount;
    // A slice that has expired or may have been resized by a failed call promises nothing beyond its holds.
    const promised = lease.uncertain || now >= lease.expiresAt ? 0 : free(lease);
    const idle = lease.holds === 0 && pending === 0 && lease.usedAt <= now - this.leaseTtlMs / 3;
    // Squeezed by another process's shortage: keep what open holds and waiters need, give back the rest.
    const squeezed = lease.squeezed;
    lease.squeezed = false;
    const allowance = idle || squeezed ? 0 : Math.max(0, Math.min(promised, lease.demand));
    const min = lease.held + allowance;
    const want = idle ? 0 : squeezed ? min + pending : min + pending + Math.max(pending, lease.demand);
    lease.demand = 0;
    lease.flight = { allowance, used: 0 };
    const total = lease.total;
    this.#stats.calls++;
    try {
      if (known === undefined) throw new Error(`key ${lease.keyId} is not loaded`);
      const key = known.key;
      const keys = [
        ...creditRedisKeys(this.#redis, lease.keyId),
        `${this.#redis.sharedKey('credit-lease', lease.keyId)}:${lease.owner}`,
      ];
      const reply = (await this.#redis.shared(CREDIT_LEASE, keys, [
        now,
        lease.owner,
        min,
        want,
        now + this.leaseTtlMs,
        known.granted,
        key.totalSpent,
        budgetPeriodStart(trackingPeriod(key.budget), now),
        key.budgetSpent,
        key.unlimitedCredits ? '1' : '0',
        key.budget === null ? -1 : key.budget.amount,
        total,
        lease.periodStart,
        lease.periodTotal,
      ])) as [string, string, string, string, string];
      known.spent = Number(reply[0]);
      lease.size = Number(reply[1]);
      lease.expiresAt = now + this.leaseTtlMs;
      lease.reported = total;
      lease.uncertain = false;
      lease.flight = undefined;
      const reason = (reply[2] === '' ? 'insufficient_credits' : reply[2]) as ReserveFailureReason;
      // Other processes' slices may hold what a refused hold needs: they are asked to give back what they do
      // not use, and the hold asks once more a moment later instead of being refused now.
      const othersHold = Number(reply[4]) > 0;
      const retry: Waiter[] = [];
      for (const waiter of waiters) {
        if (waiter.kind === 'report') waiter.resolve();
        else if (takeFromSlice(lease, waiter.amount, now, this.leaseTtlMs)) {
          if (waiter.retried === true) this.#stats.retriesAdmitted++;
          waiter.resolve(undefined);
        } else if (othersHold && waiter.retried !== true) retry.push({ ...waiter, retried: true });
        else {
          if (waiter.retried === true) this.#stats.retriesRefused++;
          waiter.resolve({ reason, available: Math.max(0, free(lease)) });
        }
      }
      if (retry.length > 0) this.#press(lease, retry, now);
    } catch (error) {
      this.#stats.callsFailed++;
      lease.uncertain = true;
      lease.flight = undefined;
      this.#logger.warn({ err: error, keyId: lease.keyId }, 'a credit lease call failed');
      // A charge stays in the running total, which the next call reports; a hold fails as it would without leases.
      for (const waiter of waiters) {
        if (waiter.kind === 'report') waiter.resolve();
        else waiter.reject(error);
      }
    }
    if (lease.queue.length > 0) void this.#call(lease);
    else if (
      lease.size === 0 &&
      lease.holds === 0 &&
      lease.retrying === 0 &&
      !lease.uncertain &&
      unreported(lease) === 0
    ) {
      this.#leases.delete(lease);
      if (known?.lease === lease) known.lease = undefined;
    }
  }
}
