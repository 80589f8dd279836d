/**
 * Postgres usage ledger. A batch is one `INSERT … SELECT FROM unnest(<one array per column>)` statement (16
 * parameters whatever the batch size), `ON CONFLICT (request_id) DO NOTHING` for idempotent retries.
 */
import {
  listQuery,
  summarizeQuery,
  summaryRowsFromRows,
  USAGE_COLUMNS,
  USAGE_PG_TYPES,
  usageRecordFromRow,
  usageRowValues,
} from '../sql/usage-sql.js';
import {
  refuseCredits,
  type UsageFilter,
  type UsageGroupBy,
  type UsageLedger,
  type UsageListOptions,
  type UsageRecord,
  type UsageSummaryRow,
  validateUsageRecord,
} from '../usage-ledger.js';
import type { PostgresDatabase } from './postgres-database.js';

/** SQLSTATE of a transaction Postgres aborted to break a deadlock. */
const DEADLOCK_DETECTED = '40P01';

export class PostgresUsageLedger implements UsageLedger {
  readonly #database: PostgresDatabase;
  readonly #table: string;
  readonly #insert: string;

  constructor(database: PostgresDatabase) {
    this.#database = database.retain();
    this.#table = database.tables.usage;
    const arrays = USAGE_PG_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ');
    this.#insert = `INSERT INTO ${this.#table} (${USAGE_COLUMNS.join(', ')})
      SELECT * FROM unnest(${arrays}) ON CONFLICT (request_id) DO NOTHING`;
  }

  async append(records: readonly UsageRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    for (const record of records) validateUsageRecord(record);
    refuseCredits(records, 'Postgres');
    // Rows go in request-id order: two processes inserting overlapping ids then take the unique-index locks in
    // the same order, so one waits for the other instead of deadlocking.
    const ordered = [...records].sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));
    const columns: unknown[][] = USAGE_COLUMNS.map(() => []);
    for (const record of ordered) {
      usageRowValues(record, 'postgres').forEach((value, i) => {
        columns[i]?.push(value);
      });
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.#database.pool.query(this.#insert, columns);
        return result.rowCount ?? 0;
      } catch (error) {
        // A deadlock victim (another writer with other tables' locks) is safe to replay: the insert is idempotent.
        if ((error as { code?: string }).code !== DEADLOCK_DETECTED || attempt >= 2) throw error;
      }
    }
  }

  async summarize(filter: UsageFilter, groupBy: readonly UsageGroupBy[] = []): Promise<UsageSummaryRow[]> {
    const query = summarizeQuery(this.#table, filter, groupBy, 'postgres');
    const { rows } = await this.#database.pool.query<Record<string, unknown>>(query.text, query.values);
    return summaryRowsFromRows(rows, groupBy);
  }

  async list(options: UsageListOptions = {}): Promise<UsageRecord[]> {
    const query = listQuery(this.#table, options, 'postgres');
    const { rows } = await this.#database.pool.query<Record<string, unknown>>(query.text, query.values);
    return rows.map(usageRecordFromRow);
  }

  async close(): Promise<void> {
    await this.#database.release();
  }
}
