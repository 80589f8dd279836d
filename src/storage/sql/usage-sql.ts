/** Usage-ledger SQL shared by SQLite and Postgres: only the placeholder syntax and value encoding differ. */
import {
  clampListLimit,
  compareSummaryRows,
  formatDayNumber,
  type UsageFilter,
  type UsageGroupBy,
  type UsageListOptions,
  type UsageRecord,
  type UsageSummaryRow,
} from '../usage-ledger.js';
import { type SqlDialect, toInt, toIntOrNull } from './key-row.js';

export const USAGE_COLUMNS = [
  'request_id',
  'time',
  'key_id',
  'model',
  'backend',
  'prompt_tokens',
  'completion_tokens',
  'cached_tokens',
  'reasoning_tokens',
  'cost',
  'latency_ms',
  'ttft_ms',
  'status',
  'error_code',
  'cache_hit',
  'estimated',
  'client_request_id',
  'reported_cost',
] as const;

/** Postgres array types for the `unnest` bulk insert, in {@link USAGE_COLUMNS} order. */
export const USAGE_PG_TYPES = [
  'text',
  'int8',
  'text',
  'text',
  'text',
  'int4',
  'int4',
  'int4',
  'int4',
  'int8',
  'int4',
  'int4',
  'int4',
  'text',
  'bool',
  'bool',
  'text',
  'int8',
] as const;

export function usageRowValues(record: UsageRecord, dialect: SqlDialect): unknown[] {
  const bool = (value: boolean) => (dialect === 'sqlite' ? (value ? 1 : 0) : value);
  return [
    record.requestId,
    record.time,
    record.keyId,
    record.model,
    record.backend,
    record.promptTokens ?? null,
    record.completionTokens ?? null,
    record.cachedTokens ?? null,
    record.reasoningTokens ?? null,
    record.cost,
    record.latencyMs ?? null,
    record.ttftMs ?? null,
    record.status,
    record.errorCode ?? null,
    bool(record.cacheHit),
    bool(record.estimated),
    record.clientRequestId ?? null,
    record.reportedCost ?? null,
  ];
}

export function usageRecordFromRow(row: Record<string, unknown>): UsageRecord {
  const record: UsageRecord = {
    time: toInt(row.time),
    requestId: String(row.request_id),
    keyId: row.key_id === null ? null : String(row.key_id),
    model: String(row.model),
    backend: String(row.backend),
    cost: toInt(row.cost),
    status: toInt(row.status),
    cacheHit: row.cache_hit === true || row.cache_hit === 1,
    estimated: row.estimated === true || row.estimated === 1,
  };
  const optional = {
    promptTokens: toIntOrNull(row.prompt_tokens),
    completionTokens: toIntOrNull(row.completion_tokens),
    cachedTokens: toIntOrNull(row.cached_tokens),
    reasoningTokens: toIntOrNull(row.reasoning_tokens),
    latencyMs: toIntOrNull(row.latency_ms),
    ttftMs: toIntOrNull(row.ttft_ms),
  };
  for (const [field, value] of Object.entries(optional)) {
    if (value !== null) (record as unknown as Record<string, number>)[field] = value;
  }
  if (row.error_code !== null && row.error_code !== undefined) record.errorCode = String(row.error_code);
  if (row.client_request_id !== null && row.client_request_id !== undefined)
    record.clientRequestId = String(row.client_request_id);
  const reportedCost = toIntOrNull(row.reported_cost);
  if (reportedCost !== null) record.reportedCost = reportedCost;
  return record;
}

/** Collects bound values and returns the dialect's placeholder for each. */
export class SqlParams {
  readonly values: unknown[] = [];
  readonly #dialect: SqlDialect;

  constructor(dialect: SqlDialect) {
    this.#dialect = dialect;
  }

  add(value: unknown): string {
    this.values.push(value);
    return this.#dialect === 'sqlite' ? '?' : `$${this.values.length}`;
  }
}

export interface SqlQuery {
  text: string;
  values: unknown[];
}

function whereClause(filter: UsageFilter, params: SqlParams): string[] {
  const conditions: string[] = [];
  if (filter.keyId !== undefined) conditions.push(`key_id = ${params.add(filter.keyId)}`);
  if (filter.clientRequestId !== undefined)
    conditions.push(`client_request_id = ${params.add(filter.clientRequestId)}`);
  if (filter.model !== undefined) conditions.push(`model = ${params.add(filter.model)}`);
  if (filter.from !== undefined) conditions.push(`time >= ${params.add(filter.from)}`);
  if (filter.to !== undefined) conditions.push(`time < ${params.add(filter.to)}`);
  return conditions;
}

const GROUP_COLUMNS: Record<UsageGroupBy, string> = {
  key: 'key_id',
  model: 'model',
  day: 'time / 86400000',
};
const GROUP_ALIASES: Record<UsageGroupBy, string> = { key: 'key_id', model: 'model', day: 'day' };

export function summarizeQuery(
  table: string,
  filter: UsageFilter,
  groupBy: readonly UsageGroupBy[],
  dialect: SqlDialect,
): SqlQuery {
  const params = new SqlParams(dialect);
  const conditions = whereClause(filter, params);
  const groups = (['key', 'model', 'day'] as const).filter((group) => groupBy.includes(group));
  const select = [
    ...groups.map((group) => `${GROUP_COLUMNS[group]} AS ${GROUP_ALIASES[group]}`),
    'COUNT(*) AS requests',
    'COALESCE(SUM(prompt_tokens), 0) AS prompt_tokens',
    'COALESCE(SUM(completion_tokens), 0) AS completion_tokens',
    'COALESCE(SUM(cached_tokens), 0) AS cached_tokens',
    'COALESCE(SUM(reasoning_tokens), 0) AS reasoning_tokens',
    'COALESCE(SUM(cost), 0) AS cost',
    'COALESCE(SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), 0) AS errors',
    'COALESCE(SUM(CASE WHEN cache_hit THEN 1 ELSE 0 END), 0) AS cache_hits',
  ];
  let text = `SELECT ${select.join(', ')} FROM ${table}`;
  if (conditions.length > 0) text += ` WHERE ${conditions.join(' AND ')}`;
  if (groups.length > 0) text += ` GROUP BY ${groups.map((group) => GROUP_COLUMNS[group]).join(', ')}`;
  return { text, values: params.values };
}

export function summaryRowsFromRows(
  rows: readonly Record<string, unknown>[],
  groupBy: readonly UsageGroupBy[],
): UsageSummaryRow[] {
  return rows
    .map((row) => {
      const summary: UsageSummaryRow = {
        requests: toInt(row.requests),
        promptTokens: toInt(row.prompt_tokens),
        completionTokens: toInt(row.completion_tokens),
        cachedTokens: toInt(row.cached_tokens),
        reasoningTokens: toInt(row.reasoning_tokens),
        cost: toInt(row.cost),
        errors: toInt(row.errors),
        cacheHits: toInt(row.cache_hits),
      };
      if (groupBy.includes('key')) summary.keyId = row.key_id === null ? null : String(row.key_id);
      if (groupBy.includes('model')) summary.model = String(row.model);
      if (groupBy.includes('day')) summary.day = formatDayNumber(toInt(row.day));
      return summary;
    })
    .sort(compareSummaryRows);
}

export function listQuery(table: string, options: UsageListOptions, dialect: SqlDialect): SqlQuery {
  const params = new SqlParams(dialect);
  const conditions = whereClause(options, params);
  if (options.before !== undefined) {
    const time = params.add(options.before.time);
    const sameTime = params.add(options.before.time);
    conditions.push(
      `(time < ${time} OR (time = ${sameTime} AND request_id < ${params.add(options.before.requestId)}))`,
    );
  }
  let text = `SELECT * FROM ${table}`;
  if (conditions.length > 0) text += ` WHERE ${conditions.join(' AND ')}`;
  text += ` ORDER BY time DESC, request_id DESC LIMIT ${params.add(clampListLimit(options.limit))}`;
  return { text, values: params.values };
}

/** Migration 6 for the usage ledger: its key index holds keyed rows only, as the request log's does. */
export function usageKeyPartialIndex(table: string, prefix: string, indexSchema = ''): string[] {
  return [
    `DROP INDEX IF EXISTS ${indexSchema}${prefix}usage_key_time`,
    `CREATE INDEX IF NOT EXISTS ${prefix}usage_key_time ON ${table} (key_id, time) WHERE key_id IS NOT NULL`,
  ];
}
