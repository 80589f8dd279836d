/**
 * SQLite usage ledger: batched inserts in one transaction, `ON CONFLICT (request_id) DO NOTHING`. A record's
 * credit charges (`UsageRecord.credits`) are applied to the key and entered in the credit ledger right after
 * its row, in the same transaction, and only when the row was new.
 */
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
import type { FollowUps } from './sqlite-append-worker.js';
import { SqliteAppender } from './sqlite-appender.js';
import type { SqliteDatabase } from './sqlite-database.js';

export class SqliteUsageLedger implements UsageLedger {
  readonly #database: SqliteDatabase;
  readonly #db: Database.Database;
  readonly #table: string;
  readonly #appender: SqliteAppender;
  readonly #chargeSql: string;
  readonly #entrySql: string;

  constructor(database: SqliteDatabase, options: { appendOnWorker?: boolean } = {}) {
    this.#database = database.retain();
    this.#db = database.db;
    this.#table = database.tables.usage;
    this.#appender = new SqliteAppender(database, this.#table, USAGE_COLUMNS, 'request_id', {
      onWorker: options.appendOnWorker,
    });
    const { keys, creditLedger } = database.tables;
    // The same bookkeeping as the key store's settle: balance and lifetime spend, and the budget period's spend
    // (restarted when the charge belongs to a newer period than the one stored).
    this.#chargeSql = `UPDATE ${keys} SET balance = balance - ?, total_spent = total_spent + ?,
        budget_spent = CASE WHEN budget_period_start = ? THEN budget_spent ELSE 0 END + ?, budget_period_start = ?
      WHERE id = ?`;
    this.#entrySql = `INSERT INTO ${creditLedger} (key_id, kind, delta, balance_after, reason, request_id, created_at)
      SELECT id, 'usage', ?, balance, ?, ?, ? FROM ${keys} WHERE id = ?`;
  }

  async append(records: readonly UsageRecord[]): Promise<number> {
    for (const record of records) validateUsageRecord(record);
    const rows = records.map((record) => usageRowValues(record, 'sqlite'));
    if (!records.some((record) => record.credits !== undefined && record.credits.length > 0)) {
      return this.#appender.append(rows);
    }
    const followUps: FollowUps[] = records.map((record) =>
      record.credits?.flatMap((charge) => {
        const { amount: a, budgetPeriodStart: start } = charge;
        return [
          [this.#chargeSql, [a, a, start, a, start, charge.keyId]] as const,
          [this.#entrySql, [-a, charge.reason, record.requestId, charge.time, charge.keyId]] as const,
        ];
      }),
    );
    return this.#appender.append(rows, followUps);
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
