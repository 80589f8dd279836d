/** SQLite tool-call ledger: appends on the worker thread like the usage ledger; reads in-thread. */
import type Database from 'better-sqlite3';
import {
  TOOL_CALL_COLUMNS,
  toolCallListQuery,
  toolCallRecordFromRow,
  toolCallRowValues,
  toolCallSummarizeQuery,
  toolCallSummaryFromRows,
} from '../sql/tool-call-sql.js';
import {
  type ToolCallFilter,
  type ToolCallLedger,
  type ToolCallListOptions,
  type ToolCallSummaryRow,
  type ToolCallUsageRecord,
  validateToolCallRecord,
} from '../tool-call-ledger.js';
import { SqliteAppender } from './sqlite-appender.js';
import type { SqliteDatabase } from './sqlite-database.js';

export class SqliteToolCallLedger implements ToolCallLedger {
  readonly #database: SqliteDatabase;
  readonly #db: Database.Database;
  readonly #table: string;
  readonly #appender: SqliteAppender;

  constructor(database: SqliteDatabase, options: { appendOnWorker?: boolean } = {}) {
    this.#database = database.retain();
    this.#db = database.db;
    this.#table = database.tables.toolCalls;
    this.#appender = new SqliteAppender(database, this.#table, TOOL_CALL_COLUMNS, 'id', {
      onWorker: options.appendOnWorker,
    });
  }

  async append(records: readonly ToolCallUsageRecord[]): Promise<number> {
    for (const record of records) validateToolCallRecord(record);
    const rows = records.map(toolCallRowValues);
    return this.#appender.append(rows);
  }

  async summarize(filter: ToolCallFilter): Promise<ToolCallSummaryRow[]> {
    const query = toolCallSummarizeQuery(this.#table, filter, 'sqlite');
    return toolCallSummaryFromRows(this.#db.prepare(query.text).all(...query.values) as Record<string, unknown>[]);
  }

  async list(options: ToolCallListOptions = {}): Promise<ToolCallUsageRecord[]> {
    const query = toolCallListQuery(this.#table, options, 'sqlite');
    return (this.#db.prepare(query.text).all(...query.values) as Record<string, unknown>[]).map(toolCallRecordFromRow);
  }

  async close(): Promise<void> {
    await this.#appender.settled();
    await this.#database.release();
  }
}
