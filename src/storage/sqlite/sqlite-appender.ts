/**
 * Batched inserts into one table: on the database file's shared append worker (see SqliteAppendWorker), or
 * in-thread for `:memory:` or when asked, each batch in one `BEGIN IMMEDIATE` transaction. Rows already stored
 * (by `conflictColumn`) are skipped; `append` resolves with how many were new.
 */
import type Database from 'better-sqlite3';
import type { SqliteAppendWorker } from './sqlite-append-worker.js';
import type { SqliteDatabase } from './sqlite-database.js';

export class SqliteAppender {
  readonly #sql: string;
  readonly #insertAll: Database.Transaction<(rows: readonly unknown[][]) => number>;
  readonly #worker: SqliteAppendWorker | undefined;

  constructor(
    database: SqliteDatabase,
    table: string,
    columns: readonly string[],
    conflictColumn: string,
    options: { onWorker?: boolean } = {},
  ) {
    const db = database.db;
    this.#sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
       ON CONFLICT (${conflictColumn}) DO NOTHING`;
    const insert = db.prepare(this.#sql);
    this.#insertAll = db.transaction((rows: readonly unknown[][]) => {
      let inserted = 0;
      for (const row of rows) inserted += insert.run(row).changes;
      return inserted;
    });
    this.#worker = (options.onWorker ?? true) && !db.memory ? database.appendWorker() : undefined;
  }

  /** Inserts rows (column values in `columns` order) in one transaction; resolves with the rows inserted. */
  async append(rows: readonly unknown[][]): Promise<number> {
    if (this.#worker !== undefined) return this.#worker.append(this.#sql, rows);
    return this.#insertAll.immediate(rows);
  }

  /** Resolves once the appends sent so far have finished (the worker outlives this table's users). */
  async settled(): Promise<void> {
    await this.#worker?.settled();
  }
}
