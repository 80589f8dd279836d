/**
 * The tool-call ledger: one row per MCP tool call the gateway ran (the chat loop, `/v1/mcp/execute`, the `/mcp`
 * hub), with its key, duration, outcome, bytes and what it was charged. Rows carry a unique id, so appending a
 * retried batch is a no-op. Written through a batching writer, never on the request's hot path.
 */
import type { Micros } from '../pricing/money.js';

export type ToolCallSource = 'chat' | 'api' | 'hub';

export interface ToolCallUsageRecord {
  /** Unique per call. */
  id: string;
  /** When the call started, epoch ms. */
  time: number;
  /** The gateway request that made the call. */
  requestId: string | null;
  /** Null for the master key, a shared API_KEY or an open gateway. */
  keyId: string | null;
  server: string;
  tool: string;
  source: ToolCallSource;
  durationMs: number;
  /** `ok`, `tool_error` (the tool's `isError`), `timeout`, `failed`, `denied`. */
  outcome: string;
  /** Size of the result the model (or caller) read. */
  bytes: number;
  /** What the call was charged (its tool price when it succeeded, else 0). */
  cost: Micros;
}

export interface ToolCallFilter {
  keyId?: string;
  server?: string;
  tool?: string;
  /** Inclusive, epoch ms. */
  from?: number;
  /** Exclusive, epoch ms. */
  to?: number;
}

export interface ToolCallTotals {
  calls: number;
  /** Calls whose outcome was not `ok`. */
  errors: number;
  cost: Micros;
  durationMs: number;
  bytes: number;
}

export interface ToolCallSummaryRow extends ToolCallTotals {
  server: string;
  tool: string;
}

export interface ToolCallListOptions extends ToolCallFilter {
  /** Default 100, at most 1000. */
  limit?: number;
  /** Keyset cursor: rows strictly older than this one. */
  before?: { time: number; id: string };
}

export interface ToolCallLedger {
  /** Appends records; those whose id already exists are skipped. Returns how many were inserted. */
  append(records: readonly ToolCallUsageRecord[]): Promise<number>;
  /** Totals per server and tool, sorted by server then tool. */
  summarize(filter: ToolCallFilter): Promise<ToolCallSummaryRow[]>;
  /** Raw rows, newest first (time, then id, descending). */
  list(options?: ToolCallListOptions): Promise<ToolCallUsageRecord[]>;
  close(): Promise<void>;
}

export function emptyToolCallTotals(): ToolCallTotals {
  return { calls: 0, errors: 0, cost: 0, durationMs: 0, bytes: 0 };
}

/** The grand total of summary rows. */
export function totalOf(rows: readonly ToolCallTotals[]): ToolCallTotals {
  const total = emptyToolCallTotals();
  for (const row of rows) {
    total.calls += row.calls;
    total.errors += row.errors;
    total.cost += row.cost;
    total.durationMs += row.durationMs;
    total.bytes += row.bytes;
  }
  return total;
}

export function compareToolRows(a: ToolCallSummaryRow, b: ToolCallSummaryRow): number {
  if (a.server !== b.server) return a.server < b.server ? -1 : 1;
  if (a.tool !== b.tool) return a.tool < b.tool ? -1 : 1;
  return 0;
}

/** Throws RangeError on a record no backend should store. */
export function validateToolCallRecord(record: ToolCallUsageRecord): void {
  const fail = (what: string) => {
    throw new RangeError(`Invalid tool-call record ${JSON.stringify(record.id)}: ${what}`);
  };
  if (typeof record.id !== 'string' || record.id === '' || record.id.length > 200) fail('id must be a short string');
  if (!Number.isSafeInteger(record.time) || record.time < 0) fail('time must be epoch milliseconds');
  if (typeof record.server !== 'string' || typeof record.tool !== 'string') fail('server and tool are required');
  if (!Number.isSafeInteger(record.cost) || record.cost < 0) fail('cost must be non-negative micro-dollars');
  for (const field of ['durationMs', 'bytes'] as const) {
    const value = record[field];
    if (!Number.isSafeInteger(value) || value < 0) fail(`${field} must be a non-negative integer`);
  }
}
