/** Tool-call ledger SQL shared by SQLite and Postgres: only the placeholder syntax differs. */
import {
  compareToolRows,
  type ToolCallFilter,
  type ToolCallListOptions,
  type ToolCallSource,
  type ToolCallSummaryRow,
  type ToolCallUsageRecord,
} from '../tool-call-ledger.js';
import { clampListLimit } from '../usage-ledger.js';
import { type SqlDialect, toInt } from './key-row.js';
import { SqlParams, type SqlQuery } from './usage-sql.js';

export const TOOL_CALL_COLUMNS = [
  'id',
  'time',
  'request_id',
  'key_id',
  'server',
  'tool',
  'source',
  'duration_ms',
  'outcome',
  'bytes',
  'cost',
] as const;

/** Postgres array types for the `unnest` bulk insert, in {@link TOOL_CALL_COLUMNS} order. */
export const TOOL_CALL_PG_TYPES = [
  'text',
  'int8',
  'text',
  'text',
  'text',
  'text',
  'text',
  'int4',
  'text',
  'int8',
  'int8',
] as const;

export function toolCallRowValues(record: ToolCallUsageRecord): unknown[] {
  return [
    record.id,
    record.time,
    record.requestId,
    record.keyId,
    record.server,
    record.tool,
    record.source,
    record.durationMs,
    record.outcome,
    record.bytes,
    record.cost,
  ];
}

export function toolCallRecordFromRow(row: Record<string, unknown>): ToolCallUsageRecord {
  const text = (value: unknown) => (value === null || value === undefined ? null : String(value));
  return {
    id: String(row.id),
    time: toInt(row.time),
    requestId: text(row.request_id),
    keyId: text(row.key_id),
    server: String(row.server),
    tool: String(row.tool),
    source: String(row.source) as ToolCallSource,
    durationMs: toInt(row.duration_ms),
    outcome: String(row.outcome),
    bytes: toInt(row.bytes),
    cost: toInt(row.cost),
  };
}

function whereClause(filter: ToolCallFilter, params: SqlParams): string[] {
  const conditions: string[] = [];
  if (filter.keyId !== undefined) conditions.push(`key_id = ${params.add(filter.keyId)}`);
  if (filter.server !== undefined) conditions.push(`server = ${params.add(filter.server)}`);
  if (filter.tool !== undefined) conditions.push(`tool = ${params.add(filter.tool)}`);
  if (filter.from !== undefined) conditions.push(`time >= ${params.add(filter.from)}`);
  if (filter.to !== undefined) conditions.push(`time < ${params.add(filter.to)}`);
  return conditions;
}

export function toolCallSummarizeQuery(table: string, filter: ToolCallFilter, dialect: SqlDialect): SqlQuery {
  const params = new SqlParams(dialect);
  const conditions = whereClause(filter, params);
  let text = `SELECT server, tool, COUNT(*) AS calls,
    COALESCE(SUM(CASE WHEN outcome = 'ok' THEN 0 ELSE 1 END), 0) AS errors,
    COALESCE(SUM(cost), 0) AS cost, COALESCE(SUM(duration_ms), 0) AS duration_ms, COALESCE(SUM(bytes), 0) AS bytes
    FROM ${table}`;
  if (conditions.length > 0) text += ` WHERE ${conditions.join(' AND ')}`;
  text += ' GROUP BY server, tool';
  return { text, values: params.values };
}

export function toolCallSummaryFromRows(rows: readonly Record<string, unknown>[]): ToolCallSummaryRow[] {
  return rows
    .map((row) => ({
      server: String(row.server),
      tool: String(row.tool),
      calls: toInt(row.calls),
      errors: toInt(row.errors),
      cost: toInt(row.cost),
      durationMs: toInt(row.duration_ms),
      bytes: toInt(row.bytes),
    }))
    .sort(compareToolRows);
}

export function toolCallListQuery(table: string, options: ToolCallListOptions, dialect: SqlDialect): SqlQuery {
  const params = new SqlParams(dialect);
  const conditions = whereClause(options, params);
  if (options.before !== undefined) {
    const time = params.add(options.before.time);
    const sameTime = params.add(options.before.time);
    conditions.push(`(time < ${time} OR (time = ${sameTime} AND id < ${params.add(options.before.id)}))`);
  }
  let text = `SELECT * FROM ${table}`;
  if (conditions.length > 0) text += ` WHERE ${conditions.join(' AND ')}`;
  text += ` ORDER BY time DESC, id DESC LIMIT ${params.add(clampListLimit(options.limit))}`;
  return { text, values: params.values };
}
