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
import type { SqliteAppendWorker } from './sqlite-append-worker.js';
import type { SqliteDatabase } from './sqlite-database.js';

export class SqliteToolCallLedger implements ToolCallLedger {
  readonly #database: SqliteDatabase;
  readonly #db: Database.Database;
  readonly #table: string;
  readonly #insert: Database.Statement;
  readonly #sql: string;
  readonly #worker: SqliteAppendWorker | undefined;

  constructor(database: SqliteDatabase, options: { appendOnWorker?: boolean } = {}) {
    this.#database = database.retain();
    this.#db = database.db;
    this.#table = database.tables.toolCalls;
    const sql = `INSERT INTO ${this.#table} (${TOOL_CALL_COLUMNS.join(', ')}) VALUES (${TOOL_CALL_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (id) DO NOTHING`;
    this.#insert = this.#db.prepare(sql);
    const onWorker = (options.appendOnWorker ?? true) && !this.#db.memory;
    this.#sql = sql;
    this.#worker = onWorker ? database.appendWorker() : undefined;
  }

  async append(records: readonly ToolCallUsageRecord[]): Promise<number> {
    for (const record of records) validateToolCallRecord(record);
    const rows = records.map(toolCallRowValues);
    if (this.#worker !== undefined) return this.#worker.append(this.#sql, rows);
    const insertAll = this.#db.transaction(() => {
      let inserted = 0;
      for (const row of rows) inserted += this.#insert.run(row).changes;
      return inserted;
    });
    return insertAll.immediate();
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
    await this.#worker?.settled();
    await this.#database.release();
  }
}
