/** Test helper: a usage row carrying a settlement's deferred charge, as the billing session writes it. */
import type { CreditCharge } from '../credit-accounts.js';
import type { UsageRecord } from '../usage-ledger.js';

export function chargedUsageRecord(requestId: string, keyId: string, charge: CreditCharge | undefined): UsageRecord {
  return {
    time: Date.now(),
    requestId,
    keyId,
    model: 'm',
    backend: 'b',
    cost: charge?.amount ?? 0,
    status: 200,
    cacheHit: false,
    estimated: false,
    ...(charge === undefined ? {} : { credits: [charge] }),
  };
}
