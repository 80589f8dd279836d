/**
 * What every billing session shares: the long-lived services it uses, its cost headers and money format, and
 * how a storage failure on the request path is answered.
 */
import { formatDollars, type Micros } from '../../pricing/money.js';
import { LlamaGateError, ServiceUnavailableError } from '../../spec/errors.js';
import type { BatchingUsageWriter } from '../../storage/batching-usage-writer.js';
import type { CounterStore } from '../../storage/counter-store.js';
import type { CreditAccounts } from '../../storage/credit-accounts.js';
import type { KeyStore } from '../../storage/key-store.js';
import type { LeaseKeeper } from '../../storage/lease-keeper.js';
import type { Logger } from '../logger.js';
import type { KeyCache } from './key-cache.js';

export const COST_HEADER = 'x-llamagate-cost';
export const CREDITS_REMAINING_HEADER = 'x-llamagate-credits-remaining';
export const COST_RESERVED_HEADER = 'x-llamagate-cost-reserved';

/** A storage failure on the request path: 503 with a retry hint, not a 500 (typed errors pass through). */
export function storageUnavailable(error: unknown): LlamaGateError {
  if (LlamaGateError.isInstance(error)) return error;
  return new ServiceUnavailableError({
    message: 'The billing storage is unreachable; retry shortly',
    retryAfter: 1,
    isRetryable: true,
    cause: error,
  });
}

/** Money in headers and bodies: exact dollars with all six decimals (`0.000450`, `-0.000120`). */
export function headerDollars(micros: Micros): string {
  return formatDollars(micros, { minDecimals: 6 });
}

/** What a session needs from the long-lived billing service. */
export interface BillingServices {
  keys: KeyStore;
  /** Where holds are taken and settled (see credit-accounts.ts). */
  credits: CreditAccounts;
  counters: CounterStore;
  usageWriter: BatchingUsageWriter;
  /** Renews this request's hold and slot while it lives (their TTL is short, so a crash frees them). */
  leases: LeaseKeeper;
  cache: KeyCache;
  logger: Pick<Logger, 'error' | 'warn'>;
}

export interface MeteredUsage {
  promptTokens: number;
  completionTokens: number | undefined;
  cachedTokens: number | undefined;
  reasoningTokens: number | undefined;
  estimated: boolean;
}
