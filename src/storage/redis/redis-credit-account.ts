/**
 * A key's credit account in Redis as both credit-hold strategies keep it (redis-credit-accounts.ts, per hold;
 * leased-credit-accounts.ts, per-process slices): its three Redis keys, and the key's row as Redis's counts
 * show it.
 */
import { budgetPeriodStart, trackingPeriod } from '../key-rules.js';
import type { ApiKeyRecord } from '../key-store.js';
import type { RedisCounterStore } from './redis-counter-store.js';
import { CREDIT_READ } from './redis-credit-scripts.js';

/** The account hash, its holds (hold id → amount) and their expiry, in one cluster slot. */
export function creditRedisKeys(
  redis: RedisCounterStore,
  keyId: string,
): [account: string, holds: string, expiry: string] {
  return [
    redis.sharedKey('credit', keyId),
    redis.sharedKey('credit-holds', keyId),
    redis.sharedKey('credit-expiry', keyId),
  ];
}

/**
 * `stored` with the balance, holds and spend Redis counts (charges not yet in the row included); `stored` itself
 * when Redis has no account for the key.
 */
export async function currentCreditAccount(
  redis: RedisCounterStore,
  stored: ApiKeyRecord,
  now: number,
): Promise<ApiKeyRecord> {
  const [spent, held, periodStart, periodSpent] = (await redis.shared(
    CREDIT_READ,
    [creditRedisKeys(redis, stored.id)[0]],
    [],
  )) as (string | null)[];
  if (spent === null || spent === undefined) return stored;
  const inPeriod = Number(periodStart) === budgetPeriodStart(trackingPeriod(stored.budget), now);
  return {
    ...stored,
    balance: stored.balance + stored.totalSpent - Number(spent),
    reserved: Number(held ?? 0),
    totalSpent: Number(spent),
    budgetSpent: inPeriod ? Number(periodSpent ?? 0) : 0,
  };
}
