/** Postgres request log: one `INSERT … SELECT FROM unnest(…)` per batch, idempotent by id. */
import {
  clampPageSize,
  pageOf,
  type RequestLog,
  type RequestLogPage,
  type RequestLogQuery,
  type RequestLogRecord,
  validateRequestLogRecord,
} from '../request-log.js';
import {
  REQUEST_LOG_COLUMNS,
  REQUEST_LOG_PG_TYPES,
  requestLogGetQuery,
  requestLogListQuery,
  requestLogPruneQuery,
  requestLogRecordFromRow,
  requestLogRowValues,
} from '../sql/request-log-sql.js';
import type { PostgresDatabase } from './postgres-database.js';
import { postgresArrayLiteral } from './postgres-text.js';

export class PostgresRequestLog implements RequestLog {
  readonly #database: PostgresDatabase;
  readonly #table: string;
  readonly #insert: string;

  constructor(database: PostgresDatabase) {
    this.#database = database.retain();
    this.#table = database.tables.requestLog;
    const arrays = REQUEST_LOG_PG_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ');
    this.#insert = `INSERT INTO ${this.#table} (${REQUEST_LOG_COLUMNS.join(', ')})
      SELECT * FROM unnest(${arrays}) ON CONFLICT (id) DO NOTHING`;
  }

  async append(records: readonly RequestLogRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    for (const record of records) validateRequestLogRecord(record);
    // Id order, so two processes inserting overlapping ids take the unique-index locks in the same order.
    const ordered = [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const columns: unknown[][] = REQUEST_LOG_COLUMNS.map(() => []);
    for (const record of ordered) {
      requestLogRowValues(record, 'postgres').forEach((value, i) => {
        columns[i]?.push(value);
      });
    }
    const result = await this.#database.pool.query(this.#insert, columns.map(postgresArrayLiteral));
    return result.rowCount ?? 0;
  }

  async list(query: RequestLogQuery = {}): Promise<RequestLogPage> {
    const sql = requestLogListQuery(this.#table, query, 'postgres');
    const { rows } = await this.#database.pool.query<Record<string, unknown>>(sql.text, sql.values);
    return pageOf(rows.map(requestLogRecordFromRow), clampPageSize(query.limit));
  }

  async get(id: string, scope?: { keyId: string | null }): Promise<RequestLogRecord | undefined> {
    const sql = requestLogGetQuery(this.#table, id, scope?.keyId, 'postgres');
    const { rows } = await this.#database.pool.query<Record<string, unknown>>(sql.text, sql.values);
    const row = rows[0];
    return row === undefined ? undefined : requestLogRecordFromRow(row);
  }

  async prune(before: number, limit: number): Promise<number> {
    const sql = requestLogPruneQuery(this.#table, before, limit, 'postgres');
    const result = await this.#database.pool.query(sql.text, sql.values);
    return result.rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.#database.release();
  }
}
