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
import { SqliteAppender } from './sqlite-appender.js';
import type { SqliteDatabase } from './sqlite-database.js';

export class SqliteUsageLedger implements UsageLedger {
  readonly #database: SqliteDatabase;
  readonly #db: Database.Database;
  readonly #table: string;
  readonly #appender: SqliteAppender;

  constructor(database: SqliteDatabase, options: { appendOnWorker?: boolean } = {}) {
    this.#database = database.retain();
    this.#db = database.db;
    this.#table = database.tables.usage;
    this.#appender = new SqliteAppender(database, this.#table, USAGE_COLUMNS, 'request_id', {
      onWorker: options.appendOnWorker,
    });
  }

  async append(records: readonly UsageRecord[]): Promise<number> {
    for (const record of records) validateUsageRecord(record);
    return this.#appender.append(records.map((record) => usageRowValues(record, 'sqlite')));
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
    await this.#appender.settled();
    await this.#database.release();
  }
}
