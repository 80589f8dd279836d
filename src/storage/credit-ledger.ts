/**
 * The credit ledger: every change of a key's balance is one append-only entry, written in the same transaction
 * as the balance change, so a key's balance always equals the sum of its entries' deltas.
 */
import type { Micros } from '../pricing/money.js';

/** `add`/`set` are admin changes (top-ups, corrections, the initial grant); `usage` is a settled request. */
export type CreditEntryKind = 'add' | 'set' | 'usage';

export interface CreditLedgerEntry {
  /** Increasing per store (later entries have larger ids). */
  id: number;
  keyId: string;
  kind: CreditEntryKind;
  /** Signed change of the balance (negative for usage). */
  delta: Micros;
  balanceAfter: Micros;
  /** Free text from the admin (`'stripe top-up #123'`), or the model for usage. */
  reason: string;
  requestId: string | null;
  /** Epoch milliseconds. */
  createdAt: number;
}

export interface CreditHistoryOptions {
  /** Newest first; default 100, at most 1000. */
  limit?: number;
  /** Only entries with `id` below this (keyset pagination: pass the last id of the previous page). */
  beforeId?: number;
}

export function clampHistoryLimit(limit: number | undefined): number {
  if (limit === undefined) return 100;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  return Math.min(limit, 1000);
}
