/** Request-log SQL shared by SQLite and Postgres: only placeholders and value encoding differ. */
import {
  clampPageSize,
  decodeCursor,
  type RequestAttempt,
  type RequestLogQuery,
  type RequestLogRecord,
  type RequestLogUsage,
} from '../request-log.js';
import { type SqlDialect, toInt, toIntOrNull } from './key-row.js';
import { SqlParams, type SqlQuery } from './usage-sql.js';

export const REQUEST_LOG_COLUMNS = [
  'id',
  'time',
  'key_id',
  'route',
  'format',
  'model',
  'backend',
  'status',
  'error_type',
  'error_code',
  'latency_ms',
  'ttfc_ms',
  'stream',
  'cache',
  'input_tokens',
  'output_tokens',
  'cost',
  'detail',
  'request_body',
  'response_body',
] as const;

/** Postgres array types for the `unnest` bulk insert, in {@link REQUEST_LOG_COLUMNS} order. */
export const REQUEST_LOG_PG_TYPES = [
  'text',
  'int8',
  'text',
  'text',
  'text',
  'text',
  'text',
  'int4',
  'text',
  'text',
  'int4',
  'int4',
  'bool',
  'text',
  'int4',
  'int4',
  'int8',
  'text',
  'text',
  'text',
] as const;

/** Everything but the bodies: what a page of the log reads. */
const SUMMARY_COLUMNS = REQUEST_LOG_COLUMNS.filter((column) => column !== 'request_body' && column !== 'response_body');

interface StoredDetail {
  attempts: RequestAttempt[];
  usage: RequestLogUsage | null;
  clientRequestId?: string;
}

export function requestLogRowValues(record: RequestLogRecord, dialect: SqlDialect): unknown[] {
  const detail: StoredDetail = { attempts: [...record.attempts], usage: record.usage };
  if (record.clientRequestId !== undefined) detail.clientRequestId = record.clientRequestId;
  return [
    record.id,
    record.time,
    record.keyId,
    record.route,
    record.format,
    record.model,
    record.backend,
    record.status,
    record.errorType,
    record.errorCode,
    Math.round(record.latencyMs),
    record.ttfcMs === null ? null : Math.round(record.ttfcMs),
    dialect === 'sqlite' ? (record.stream ? 1 : 0) : record.stream,
    record.cache,
    record.usage?.inputTokens ?? null,
    record.usage?.outputTokens ?? null,
    record.cost,
    JSON.stringify(detail),
    record.requestBody,
    record.responseBody,
  ];
}

const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

export function requestLogRecordFromRow(row: Record<string, unknown>): RequestLogRecord {
  const detail = JSON.parse(String(row.detail ?? '{"attempts":[],"usage":null}')) as StoredDetail;
  const record: RequestLogRecord = {
    id: String(row.id),
    time: toInt(row.time),
    keyId: text(row.key_id),
    route: String(row.route),
    format: String(row.format),
    model: text(row.model),
    backend: text(row.backend),
    status: toInt(row.status),
    errorType: text(row.error_type),
    errorCode: text(row.error_code),
    latencyMs: toInt(row.latency_ms),
    ttfcMs: toIntOrNull(row.ttfc_ms),
    stream: row.stream === true || row.stream === 1,
    cache: text(row.cache) as RequestLogRecord['cache'],
    usage: detail.usage,
    cost: toIntOrNull(row.cost),
    attempts: detail.attempts,
    requestBody: text(row.request_body),
    responseBody: text(row.response_body),
  };
  if (detail.clientRequestId !== undefined) record.clientRequestId = detail.clientRequestId;
  return record;
}

/** The first status the partial status index holds. */
const FAILED_STATUS = 400;

export function requestLogListQuery(table: string, query: RequestLogQuery, dialect: SqlDialect): SqlQuery {
  const params = new SqlParams(dialect);
  const conditions: string[] = [];
  if (query.keyId !== undefined) conditions.push(`key_id = ${params.add(query.keyId)}`);
  if (query.model !== undefined) conditions.push(`model = ${params.add(query.model)}`);
  if (query.backend !== undefined) conditions.push(`backend = ${params.add(query.backend)}`);
  if (query.errorType !== undefined) conditions.push(`error_type = ${params.add(query.errorType)}`);
  if (query.status !== undefined) {
    if ('exact' in query.status) {
      conditions.push(`status = ${params.add(query.status.exact)}`);
      // Spelled out so the planner may use the status index, which holds failed requests only.
      if (query.status.exact >= FAILED_STATUS) conditions.push(`status >= ${FAILED_STATUS}`);
    }
    // A status class is matched as an expression, so the planner walks the time (or key) index in page order
    // instead of collecting the class's whole range from the status index and sorting it.
    else conditions.push(`status / 100 = ${params.add(Math.floor(query.status.from / 100))}`);
  }
  if (query.minLatencyMs !== undefined) conditions.push(`latency_ms >= ${params.add(query.minLatencyMs)}`);
  if (query.from !== undefined) conditions.push(`time >= ${params.add(query.from)}`);
  if (query.to !== undefined) conditions.push(`time < ${params.add(query.to)}`);
  if (query.cursor !== undefined) {
    const cursor = decodeCursor(query.cursor);
    // Written as `time <= t AND (time < t OR id < i)` so the time bound alone can drive an index range scan.
    const time = params.add(cursor.time);
    conditions.push(`time <= ${time}`, `(time < ${params.add(cursor.time)} OR id < ${params.add(cursor.id)})`);
  }
  let sql = `SELECT ${SUMMARY_COLUMNS.join(', ')} FROM ${table}`;
  if (conditions.length > 0) sql += ` WHERE ${conditions.join(' AND ')}`;
  sql += ` ORDER BY time DESC, id DESC LIMIT ${params.add(clampPageSize(query.limit) + 1)}`;
  return { text: sql, values: params.values };
}

export function requestLogGetQuery(table: string, id: string, keyId: string | null | undefined, dialect: SqlDialect) {
  const params = new SqlParams(dialect);
  let sql = `SELECT * FROM ${table} WHERE id = ${params.add(id)}`;
  if (keyId === null) sql += ' AND key_id IS NULL';
  else if (keyId !== undefined) sql += ` AND key_id = ${params.add(keyId)}`;
  return { text: sql, values: params.values };
}

export function requestLogPruneQuery(table: string, before: number, limit: number, dialect: SqlDialect): SqlQuery {
  const params = new SqlParams(dialect);
  return {
    text: `DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE time < ${params.add(before)} ORDER BY time LIMIT ${params.add(limit)})`,
    values: params.values,
  };
}

/** Index statements of the request-log table (`time, id` behind every filter column keeps the order free). */
export function requestLogIndexes(table: string, prefix: string): string[] {
  const index = (name: string, columns: string) =>
    `CREATE INDEX IF NOT EXISTS ${prefix}request_log_${name} ON ${table} (${columns})`;
  return [
    index('time', 'time, id'),
    index('key_time', 'key_id, time, id'),
    index('model_time', 'model, time, id'),
    index('backend_time', 'backend, time, id'),
    index('status_time', 'status, time, id'),
    index('error_type_time', 'error_type, time, id'),
  ];
}

/**
 * Migration 6: the key, status and error-type indexes hold only rows their filters can match (a key, a failed
 * status, an error type), so a successful request without a key writes three index entries fewer (decision
 * 0031). `indexSchema` qualifies the dropped names where indexes live in a schema (Postgres).
 */
export function requestLogPartialIndexes(table: string, prefix: string, indexSchema = ''): string[] {
  const replace = (name: string, columns: string, where: string) => [
    `DROP INDEX IF EXISTS ${indexSchema}${prefix}request_log_${name}`,
    `CREATE INDEX IF NOT EXISTS ${prefix}request_log_${name} ON ${table} (${columns}) WHERE ${where}`,
  ];
  return [
    ...replace('key_time', 'key_id, time, id', 'key_id IS NOT NULL'),
    ...replace('status_time', 'status, time, id', `status >= ${FAILED_STATUS}`),
    ...replace('error_type_time', 'error_type, time, id', 'error_type IS NOT NULL'),
  ];
}
