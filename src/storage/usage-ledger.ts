/**
 * The usage ledger: one row per request (unique `requestId`, the gateway's own id, so appending the same record
 * twice is a no-op and retried batches are safe; the client's `X-Request-ID` is only stored beside it), queried per key, per model and per UTC day. Writes go through
 * {@link BatchingUsageWriter} so they never sit on the request's hot path.
 */
import type { Micros } from '../pricing/money.js';
import type { CreditCharge } from './credit-accounts.js';

export interface UsageRecord {
  /** When the request started, epoch ms. */
  time: number;
  /** The gateway's id of the request (never the client's). */
  requestId: string;
  /** The `X-Request-ID` the client sent, if any: not unique, several rows (and tenants) may share one. */
  clientRequestId?: string | undefined;
  /** Null for requests made with the master key or without auth. */
  keyId: string | null;
  /** The model as the client asked for it. */
  model: string;
  /** Which deployment served it (`provider:model` or a pool member's name). */
  backend: string;
  /** Unknown counts stay undefined (stored as NULL), never 0. */
  promptTokens?: number | undefined;
  completionTokens?: number | undefined;
  cachedTokens?: number | undefined;
  reasoningTokens?: number | undefined;
  /** What was charged. */
  cost: Micros;
  /**
   * What the reported usage would have cost, when it was more than a request may be charged (the charge was
   * capped at the hold plus the allowed overdraft); undefined otherwise.
   */
  reportedCost?: Micros | undefined;
  latencyMs?: number | undefined;
  /** Time to first token of a stream. */
  ttftMs?: number | undefined;
  /** HTTP status returned to the client. */
  status: number;
  errorCode?: string | undefined;
  /** Answered from the gateway's response cache. */
  cacheHit: boolean;
  /** Token counts were estimated by the gateway (the provider reported none). */
  estimated: boolean;
  /**
   * Charges to apply to key balances in the transaction that inserts this row, and only if it is inserted (a
   * retried batch applies none twice). Set by deferred credit accounts (see credit-accounts.ts); a ledger that
   * cannot apply them refuses the record.
   */
  credits?: readonly CreditCharge[] | undefined;
}

export interface UsageFilter {
  keyId?: string;
  /** Rows of requests sent with this `X-Request-ID`. */
  clientRequestId?: string;
  model?: string;
  /** Inclusive, epoch ms. */
  from?: number;
  /** Exclusive, epoch ms. */
  to?: number;
}

export interface UsageTotals {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  cost: Micros;
  /** Requests answered with a status ≥ 400. */
  errors: number;
  cacheHits: number;
}

export type UsageGroupBy = 'key' | 'model' | 'day';

export interface UsageSummaryRow extends UsageTotals {
  /** Present when grouped by key. */
  keyId?: string | null;
  /** Present when grouped by model. */
  model?: string;
  /** `YYYY-MM-DD` (UTC), present when grouped by day. */
  day?: string;
}

export interface UsageListOptions extends UsageFilter {
  /** Default 100, at most 1000. */
  limit?: number;
  /** Keyset cursor: rows strictly older than this one (pass the last row of the previous page). */
  before?: { time: number; requestId: string };
}

export interface UsageLedger {
  /** Appends records; those whose requestId already exists are skipped. Returns how many were inserted. */
  append(records: readonly UsageRecord[]): Promise<number>;
  /** Totals grouped by any of key/model/day (none = one grand-total row), sorted by day, model, key. */
  summarize(filter: UsageFilter, groupBy?: readonly UsageGroupBy[]): Promise<UsageSummaryRow[]>;
  /** Raw rows, newest first (time, then requestId, descending). */
  list(options?: UsageListOptions): Promise<UsageRecord[]>;
  close(): Promise<void>;
}

export interface KeyUsageReport {
  total: UsageTotals;
  byModel: (UsageTotals & { model: string })[];
  byDay: (UsageTotals & { day: string })[];
}

/**
 * A key's totals, per model and per day over a range.
 *
 * @example
 * const report = await keyUsageReport(storage.usage, key.id, { from: Date.parse('2025-06-01') });
 */
export async function keyUsageReport(
  ledger: UsageLedger,
  keyId: string,
  range: { from?: number; to?: number } = {},
): Promise<KeyUsageReport> {
  const filter: UsageFilter = { ...range, keyId };
  const [total, byModel, byDay] = await Promise.all([
    ledger.summarize(filter, []),
    ledger.summarize(filter, ['model']),
    ledger.summarize(filter, ['day']),
  ]);
  return {
    total: pickTotals(total[0] ?? emptyTotals()),
    byModel: byModel.map((row) => ({ model: row.model ?? '', ...pickTotals(row) })),
    byDay: byDay.map((row) => ({ day: row.day ?? '', ...pickTotals(row) })),
  };
}

export function emptyTotals(): UsageTotals {
  return {
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedTokens: 0,
    reasoningTokens: 0,
    cost: 0,
    errors: 0,
    cacheHits: 0,
  };
}

function pickTotals(row: UsageTotals): UsageTotals {
  const { requests, promptTokens, completionTokens, cachedTokens, reasoningTokens, cost, errors, cacheHits } = row;
  return { requests, promptTokens, completionTokens, cachedTokens, reasoningTokens, cost, errors, cacheHits };
}

const DAY_MS = 86_400_000;

/** The UTC day number of an epoch-ms time (what SQL backends group by: `time / 86400000`). */
export function dayNumber(time: number): number {
  return Math.floor(time / DAY_MS);
}

export function formatDayNumber(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Whole non-negative numbers a record may leave out. */
const OPTIONAL_COUNTS = [
  'promptTokens',
  'completionTokens',
  'cachedTokens',
  'reasoningTokens',
  'latencyMs',
  'ttftMs',
] as const;

/** Throws RangeError on a record no backend should store (bad ids, negative or fractional counts). */
export function validateUsageRecord(record: UsageRecord): void {
  const fail = (what: string) => {
    throw new RangeError(`Invalid usage record ${JSON.stringify(record.requestId)}: ${what}`);
  };
  if (typeof record.requestId !== 'string' || record.requestId === '' || record.requestId.length > 200) {
    fail('requestId must be a non-empty string of at most 200 characters');
  }
  if (!Number.isSafeInteger(record.time) || record.time < 0) fail('time must be epoch milliseconds');
  if (typeof record.model !== 'string' || typeof record.backend !== 'string') fail('model and backend are required');
  if (!Number.isSafeInteger(record.cost) || record.cost < 0) fail('cost must be non-negative micro-dollars');
  const { clientRequestId, reportedCost } = record;
  if (clientRequestId !== undefined && (typeof clientRequestId !== 'string' || clientRequestId.length > 200)) {
    fail('clientRequestId must be a string of at most 200 characters');
  }
  if (reportedCost !== undefined && (!Number.isSafeInteger(reportedCost) || reportedCost < 0)) {
    fail('reportedCost must be non-negative micro-dollars');
  }
  if (!Number.isInteger(record.status)) fail('status must be an HTTP status');
  for (const charge of record.credits ?? []) {
    if (!Number.isSafeInteger(charge.amount) || charge.amount <= 0)
      fail('a credit charge must be positive micro-dollars');
    if (typeof charge.keyId !== 'string' || charge.keyId === '') fail('a credit charge needs its key id');
  }
  for (const field of OPTIONAL_COUNTS) {
    const value = record[field];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0 || value > 2_147_483_647)) {
      fail(`${field} must be a non-negative integer`);
    }
  }
}

export function clampListLimit(limit: number | undefined): number {
  if (limit === undefined) return 100;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  return Math.min(limit, 1000);
}

/** Sort order of summary rows, shared by the backends: day, then model, then key. */
export function compareSummaryRows(a: UsageSummaryRow, b: UsageSummaryRow): number {
  for (const field of ['day', 'model', 'keyId'] as const) {
    const x = a[field] ?? '';
    const y = b[field] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** For ledgers that cannot apply `UsageRecord.credits` in their insert: such a record is a wiring error. */
export function refuseCredits(records: readonly UsageRecord[], ledger: string): void {
  for (const record of records) {
    if (record.credits !== undefined && record.credits.length > 0) {
      throw new TypeError(`The ${ledger} usage ledger cannot apply credit charges (record ${record.requestId})`);
    }
  }
}
