/** SQLite usage ledger: batched inserts in one transaction, `ON CONFLICT (request_id) DO NOTHING`. */
import type Database from 'better-sqlite3';
import {
  listQuery,
  summarizeQuery,
  summaryRowsFromRows,
  USAGE_COLUMNS,
  usageRecordFromRow,
  usageRowValues,
} from '../sql/usage-sql.js';
import {
  type UsageFilter,
  type UsageGroupBy,
  type UsageLedger,
  type UsageListOptions,
  type UsageRecord,
  type UsageSummaryRow,
  validateUsageRecord,
} from '../usage-ledger.js';
import type { SqliteAppendWorker } from './sqlite-append-worker.js';
import type { SqliteDatabase } from './sqlite-database.js';

export class SqliteUsageLedger implements UsageLedger {
  readonly #database: SqliteDatabase;
  readonly #db: Database.Database;
  readonly #table: string;
  readonly #insert: Database.Statement;
  readonly #sql: string;
  /** Appends to a file database run on a worker thread (see SqliteAppendWorker); `:memory:` stays in-thread. */
  readonly #worker: SqliteAppendWorker | undefined;

  constructor(database: SqliteDatabase, options: { appendOnWorker?: boolean } = {}) {
    this.#database = database.retain();
    this.#db = database.db;
    this.#table = database.tables.usage;
    const sql = `INSERT INTO ${this.#table} (${USAGE_COLUMNS.join(', ')}) VALUES (${USAGE_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (request_id) DO NOTHING`;
    this.#insert = this.#db.prepare(sql);
    const onWorker = (options.appendOnWorker ?? true) && !this.#db.memory;
    this.#sql = sql;
    this.#worker = onWorker ? database.appendWorker() : undefined;
  }

  async append(records: readonly UsageRecord[]): Promise<number> {
    for (const record of records) validateUsageRecord(record);
    if (this.#worker !== undefined)
      return this.#worker.append(
        this.#sql,
        records.map((record) => usageRowValues(record, 'sqlite')),
      );
    const insertAll = this.#db.transaction(() => {
      let inserted = 0;
      for (const record of records) inserted += this.#insert.run(usageRowValues(record, 'sqlite')).changes;
      return inserted;
    });
    return insertAll.immediate();
  }

  async summarize(filter: UsageFilter, groupBy: readonly UsageGroupBy[] = []): Promise<UsageSummaryRow[]> {
    const query = summarizeQuery(this.#table, filter, groupBy, 'sqlite');
    const rows = this.#db.prepare(query.text).all(...query.values) as Record<string, unknown>[];
    return summaryRowsFromRows(rows, groupBy);
  }

  async list(options: UsageListOptions = {}): Promise<UsageRecord[]> {
    const query = listQuery(this.#table, options, 'sqlite');
    const rows = this.#db.prepare(query.text).all(...query.values) as Record<string, unknown>[];
    return rows.map(usageRecordFromRow);
  }

  async close(): Promise<void> {
    await this.#worker?.settled();
    await this.#database.release();
  }
}
