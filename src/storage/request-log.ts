/**
 * The request log: one row per model call the gateway answered (success or failure), with the trail of
 * upstream attempts behind it and, when capture is on, the redacted bodies. It answers the operator's
 * "which requests of key X failed in the last hour, and which backends did they try" with keyset pagination,
 * newest first. Writes go through a batching writer, so they never sit on a request's hot path.
 */
import type { Micros } from '../pricing/money.js';

/** One upstream attempt behind a request (retries and fallbacks each add one). */
export interface RequestAttempt {
  backend: string;
  model: string;
  /** The upstream's HTTP status, 200 for a success; null when no status came back (unreachable, timeout). */
  status: number | null;
  latencyMs: number;
  errorCode: string | null;
  errorMessage: string | null;
}

/** Token counts of a request; unknown counts stay undefined. */
export interface RequestLogUsage {
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  cachedTokens?: number | undefined;
  reasoningTokens?: number | undefined;
  /** Counted by the gateway because the provider reported none. */
  estimated?: boolean | undefined;
}

export interface RequestLogRecord {
  /** The gateway's request id (a client's `X-Request-ID` is only echoed). */
  id: string;
  /** The `X-Request-ID` the client sent, if any (not unique). */
  clientRequestId?: string | undefined;
  /** When the request started, epoch ms. */
  time: number;
  keyId: string | null;
  /** The route path (`/v1/chat/completions`). */
  route: string;
  /** The inbound API format (`openai-chat`, `anthropic-messages`…). */
  format: string;
  model: string | null;
  /** The backend that answered, or the last one tried. */
  backend: string | null;
  /** HTTP status sent to the client (499 when the client went away first). */
  status: number;
  /** Who was at fault, from the fixed vocabulary (`caller_*`, `policy_*`, `provider_*`, `gateway_*`). */
  errorType: string | null;
  errorCode: string | null;
  latencyMs: number;
  /** Time to the first streamed chunk. */
  ttfcMs: number | null;
  stream: boolean;
  cache: 'hit' | 'miss' | 'bypass' | null;
  usage: RequestLogUsage | null;
  cost: Micros | null;
  attempts: readonly RequestAttempt[];
  /** Captured only with `LOG_BODIES` on, redacted and capped. */
  requestBody: string | null;
  responseBody: string | null;
}

/** One status, or a status class: `{ from: 500, to: 600 }` is 5xx (classes only: from a multiple of 100, to from + 100). */
export type StatusFilter = { exact: number } | { from: number; to: number };

export interface RequestLogFilter {
  /** Inclusive, epoch ms. */
  from?: number;
  /** Exclusive, epoch ms. */
  to?: number;
  keyId?: string;
  model?: string;
  backend?: string;
  status?: StatusFilter;
  errorType?: string;
  minLatencyMs?: number;
}

export interface RequestLogQuery extends RequestLogFilter {
  /** Default 50, at most 200. */
  limit?: number;
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor?: string;
}

export interface RequestLogPage {
  records: RequestLogRecord[];
  nextCursor: string | null;
}

export interface RequestLog {
  /** Appends records; an id already stored is skipped. Returns how many were inserted. */
  append(records: readonly RequestLogRecord[]): Promise<number>;
  /** Newest first (time, then id, descending). */
  list(query?: RequestLogQuery): Promise<RequestLogPage>;
  /** One record; with `keyId`, only if it belongs to that key. */
  get(id: string, scope?: { keyId: string | null }): Promise<RequestLogRecord | undefined>;
  /** Deletes up to `limit` of the oldest records older than `before`; returns how many. */
  prune(before: number, limit: number): Promise<number>;
  close(): Promise<void>;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export function clampPageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  return Math.min(limit, MAX_PAGE_SIZE);
}

export interface RequestLogCursor {
  time: number;
  id: string;
}

export function encodeCursor(record: Pick<RequestLogRecord, 'time' | 'id'>): string {
  return Buffer.from(JSON.stringify([record.time, record.id])).toString('base64url');
}

/** Throws RangeError for a cursor this log did not hand out. */
export function decodeCursor(cursor: string): RequestLogCursor {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new RangeError('cursor is not one this API returned');
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    !Number.isSafeInteger(parsed[0]) ||
    typeof parsed[1] !== 'string'
  ) {
    throw new RangeError('cursor is not one this API returned');
  }
  return { time: parsed[0] as number, id: parsed[1] as string };
}

/** Splits a fetched `limit + 1` rows into the page and its next cursor. */
export function pageOf(rows: RequestLogRecord[], limit: number): RequestLogPage {
  if (rows.length <= limit) return { records: rows, nextCursor: null };
  const records = rows.slice(0, limit);
  const last = records[records.length - 1];
  return { records, nextCursor: last === undefined ? null : encodeCursor(last) };
}

/** Throws RangeError on a record no backend should store. */
export function validateRequestLogRecord(record: RequestLogRecord): void {
  const fail = (what: string) => {
    throw new RangeError(`Invalid request log record ${JSON.stringify(record.id)}: ${what}`);
  };
  if (typeof record.id !== 'string' || record.id === '' || record.id.length > 200) {
    fail('id must be a non-empty string of at most 200 characters');
  }
  if (!Number.isSafeInteger(record.time) || record.time < 0) fail('time must be epoch milliseconds');
  if (!Number.isInteger(record.status)) fail('status must be an HTTP status');
  if (!Number.isSafeInteger(record.latencyMs) || record.latencyMs < 0) fail('latencyMs must be a whole number');
  if (record.cost !== null && (!Number.isSafeInteger(record.cost) || record.cost < 0)) {
    fail('cost must be non-negative micro-dollars');
  }
}

/** Whether a record passes a filter (the memory backend's WHERE clause). */
export function matchesFilter(record: RequestLogRecord, filter: RequestLogFilter): boolean {
  if (filter.from !== undefined && record.time < filter.from) return false;
  if (filter.to !== undefined && record.time >= filter.to) return false;
  if (filter.keyId !== undefined && record.keyId !== filter.keyId) return false;
  if (filter.model !== undefined && record.model !== filter.model) return false;
  if (filter.backend !== undefined && record.backend !== filter.backend) return false;
  if (filter.errorType !== undefined && record.errorType !== filter.errorType) return false;
  if (filter.minLatencyMs !== undefined && record.latencyMs < filter.minLatencyMs) return false;
  const status = filter.status;
  if (status !== undefined) {
    if (
      'exact' in status
        ? record.status !== status.exact
        : Math.floor(record.status / 100) !== Math.floor(status.from / 100)
    )
      return false;
  }
  return true;
}

/** Newest first: time descending, then id descending (bytewise). */
export function compareNewestFirst(a: RequestLogCursor, b: RequestLogCursor): number {
  if (a.time !== b.time) return b.time - a.time;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}
