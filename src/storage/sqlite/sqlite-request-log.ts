/** SQLite request log: appends on the worker thread like the usage ledger; reads through indexes in-thread. */
import type Database from 'better-sqlite3';
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
  requestLogGetQuery,
  requestLogListQuery,
  requestLogPruneQuery,
  requestLogRecordFromRow,
  requestLogRowValues,
} from '../sql/request-log-sql.js';
import { SqliteAppender } from './sqlite-appender.js';
import type { SqliteDatabase } from './sqlite-database.js';

export class SqliteRequestLog implements RequestLog {
  readonly #database: SqliteDatabase;
  readonly #db: Database.Database;
  readonly #table: string;
  readonly #appender: SqliteAppender;

  constructor(database: SqliteDatabase, options: { appendOnWorker?: boolean } = {}) {
    this.#database = database.retain();
    this.#db = database.db;
    this.#table = database.tables.requestLog;
    this.#appender = new SqliteAppender(database, this.#table, REQUEST_LOG_COLUMNS, 'id', {
      onWorker: options.appendOnWorker,
    });
  }

  async append(records: readonly RequestLogRecord[]): Promise<number> {
    for (const record of records) validateRequestLogRecord(record);
    const rows = records.map((record) => requestLogRowValues(record, 'sqlite'));
    return this.#appender.append(rows);
  }

  async list(query: RequestLogQuery = {}): Promise<RequestLogPage> {
    const sql = requestLogListQuery(this.#table, query, 'sqlite');
    const rows = this.#db.prepare(sql.text).all(...sql.values) as Record<string, unknown>[];
    return pageOf(rows.map(requestLogRecordFromRow), clampPageSize(query.limit));
  }

  async get(id: string, scope?: { keyId: string | null }): Promise<RequestLogRecord | undefined> {
    const sql = requestLogGetQuery(this.#table, id, scope?.keyId, 'sqlite');
    const row = this.#db.prepare(sql.text).get(...sql.values) as Record<string, unknown> | undefined;
    return row === undefined ? undefined : requestLogRecordFromRow(row);
  }

  async prune(before: number, limit: number): Promise<number> {
    const sql = requestLogPruneQuery(this.#table, before, limit, 'sqlite');
    return this.#db.prepare(sql.text).run(...sql.values).changes;
  }

  async close(): Promise<void> {
    await this.#appender.settled();
    await this.#database.release();
  }
}
