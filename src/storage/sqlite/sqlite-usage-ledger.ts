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
import type { SqliteDatabase } from './sqlite-database.js';

export class SqliteUsageLedger implements UsageLedger {
  readonly #database: SqliteDatabase;
  readonly #db: Database.Database;
  readonly #table: string;
  readonly #insert: Database.Statement;

  constructor(database: SqliteDatabase) {
    this.#database = database.retain();
    this.#db = database.db;
    this.#table = database.tables.usage;
    this.#insert = this.#db.prepare(
      `INSERT INTO ${this.#table} (${USAGE_COLUMNS.join(', ')}) VALUES (${USAGE_COLUMNS.map(() => '?').join(', ')})
       ON CONFLICT (request_id) DO NOTHING`,
    );
  }

  async append(records: readonly UsageRecord[]): Promise<number> {
    for (const record of records) validateUsageRecord(record);
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
    this.#database.release();
  }
}
