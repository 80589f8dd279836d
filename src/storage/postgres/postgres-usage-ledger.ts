/**
 * Postgres usage ledger. A batch is one `INSERT … SELECT FROM unnest(<one array per column>)` statement (16
 * parameters whatever the batch size), `ON CONFLICT (request_id) DO NOTHING` for idempotent retries. When
 * records carry credit charges (`UsageRecord.credits`), the same statement charges the keys of the rows it
 * inserted and writes their credit-ledger entries, so a debit and its usage row commit together, once.
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
  type UsageFilter,
  type UsageGroupBy,
  type UsageLedger,
  type UsageListOptions,
  type UsageRecord,
  type UsageSummaryRow,
  validateUsageRecord,
} from '../usage-ledger.js';
import type { PostgresDatabase } from './postgres-database.js';
import { postgresArrayLiteral } from './postgres-text.js';

/** SQLSTATE of a transaction Postgres aborted to break a deadlock. */
const DEADLOCK_DETECTED = '40P01';

export class PostgresUsageLedger implements UsageLedger {
  readonly #database: PostgresDatabase;
  readonly #table: string;
  readonly #insert: string;
  readonly #insertCharging: string;

  constructor(database: PostgresDatabase) {
    this.#database = database.retain();
    this.#table = database.tables.usage;
    const arrays = USAGE_PG_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ');
    this.#insert = `INSERT INTO ${this.#table} (${USAGE_COLUMNS.join(', ')})
      SELECT * FROM unnest(${arrays}) ON CONFLICT (request_id) DO NOTHING`;
    const { keys, creditLedger } = database.tables;
    const n = USAGE_PG_TYPES.length;
    const charge = (i: number, type: string) => `$${n + i}::${type}[]`;
    // Per key: one UPDATE for the batch's total (budget spend restarted when the period moved on); per charge:
    // one entry whose balance_after counts down in request-id order to the key's new balance.
    this.#insertCharging = `WITH inserted AS (
        INSERT INTO ${this.#table} (${USAGE_COLUMNS.join(', ')})
        SELECT * FROM unnest(${arrays}) ON CONFLICT (request_id) DO NOTHING RETURNING request_id
      ), charges AS (
        SELECT c.* FROM unnest(${charge(1, 'text')}, ${charge(2, 'text')}, ${charge(3, 'int8')}, ${charge(4, 'text')},
          ${charge(5, 'int8')}, ${charge(6, 'int8')}, ${charge(7, 'int4')})
          AS c(request_id, key_id, amount, reason, period_start, created_at, position)
        WHERE c.request_id IN (SELECT request_id FROM inserted)
      ), totals AS (
        SELECT key_id, sum(amount)::int8 AS total, max(period_start) AS period_start FROM charges GROUP BY key_id
      ), charged AS (
        UPDATE ${keys} AS k SET balance = k.balance - t.total, total_spent = k.total_spent + t.total,
          budget_spent = (CASE WHEN k.budget_period_start = t.period_start THEN k.budget_spent ELSE 0 END) + t.total,
          budget_period_start = t.period_start
        FROM totals t WHERE k.id = t.key_id RETURNING k.id, k.balance
      ), entries AS (
        INSERT INTO ${creditLedger} (key_id, kind, delta, balance_after, reason, request_id, created_at)
        SELECT c.key_id, 'usage', -c.amount,
          charged.balance + sum(c.amount) OVER (PARTITION BY c.key_id ORDER BY c.position DESC) - c.amount,
          c.reason, c.request_id, c.created_at
        FROM charges c JOIN charged ON charged.id = c.key_id ORDER BY c.position
      )
      SELECT count(*)::int4 AS inserted FROM inserted`;
  }

  async append(records: readonly UsageRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    for (const record of records) validateUsageRecord(record);
    // Rows go in request-id order: two processes inserting overlapping ids then take the unique-index locks in
    // the same order, so one waits for the other instead of deadlocking.
    const ordered = [...records].sort((a, b) => (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0));
    const columns: unknown[][] = USAGE_COLUMNS.map(() => []);
    for (const record of ordered) {
      usageRowValues(record, 'postgres').forEach((value, i) => {
        columns[i]?.push(value);
      });
    }
    const charges: unknown[][] = [[], [], [], [], [], [], []];
    for (const record of ordered) {
      for (const credit of record.credits ?? []) {
        const values = [
          record.requestId,
          credit.keyId,
          credit.amount,
          credit.reason,
          credit.budgetPeriodStart,
          credit.time,
          charges[0]?.length,
        ];
        values.forEach((value, i) => {
          charges[i]?.push(value);
        });
      }
    }
    const charging = charges[0]?.length !== 0;
    const parameters = (charging ? [...columns, ...charges] : columns).map(postgresArrayLiteral);
    for (let attempt = 0; ; attempt++) {
      try {
        if (!charging) {
          const result = await this.#database.pool.query(this.#insert, parameters);
          return result.rowCount ?? 0;
        }
        const result = await this.#database.pool.query<{ inserted: number }>(this.#insertCharging, parameters);
        return result.rows[0]?.inserted ?? 0;
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
