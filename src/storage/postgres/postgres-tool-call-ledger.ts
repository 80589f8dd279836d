/** Postgres tool-call ledger: one `INSERT … SELECT FROM unnest(…)` per batch, `ON CONFLICT (id) DO NOTHING`. */
import {
  TOOL_CALL_COLUMNS,
  TOOL_CALL_PG_TYPES,
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
import type { PostgresDatabase } from './postgres-database.js';
import { postgresArrayLiteral } from './postgres-text.js';

export class PostgresToolCallLedger implements ToolCallLedger {
  readonly #database: PostgresDatabase;
  readonly #table: string;
  readonly #insert: string;

  constructor(database: PostgresDatabase) {
    this.#database = database.retain();
    this.#table = database.tables.toolCalls;
    const arrays = TOOL_CALL_PG_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ');
    this.#insert = `INSERT INTO ${this.#table} (${TOOL_CALL_COLUMNS.join(', ')})
      SELECT * FROM unnest(${arrays}) ON CONFLICT (id) DO NOTHING`;
  }

  async append(records: readonly ToolCallUsageRecord[]): Promise<number> {
    if (records.length === 0) return 0;
    for (const record of records) validateToolCallRecord(record);
    // Id order: concurrent writers take the unique-index locks in the same order (no deadlock).
    const ordered = [...records].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const columns: unknown[][] = TOOL_CALL_COLUMNS.map(() => []);
    for (const record of ordered) {
      toolCallRowValues(record).forEach((value, i) => {
        columns[i]?.push(value);
      });
    }
    const result = await this.#database.pool.query(this.#insert, columns.map(postgresArrayLiteral));
    return result.rowCount ?? 0;
  }

  async summarize(filter: ToolCallFilter): Promise<ToolCallSummaryRow[]> {
    const query = toolCallSummarizeQuery(this.#table, filter, 'postgres');
    const { rows } = await this.#database.pool.query<Record<string, unknown>>(query.text, query.values);
    return toolCallSummaryFromRows(rows);
  }

  async list(options: ToolCallListOptions = {}): Promise<ToolCallUsageRecord[]> {
    const query = toolCallListQuery(this.#table, options, 'postgres');
    const { rows } = await this.#database.pool.query<Record<string, unknown>>(query.text, query.values);
    return rows.map(toolCallRecordFromRow);
  }

  async close(): Promise<void> {
    await this.#database.release();
  }
}
