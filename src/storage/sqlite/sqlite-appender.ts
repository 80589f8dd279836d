/**
 * Batched inserts into one table: on the database file's shared append worker (see SqliteAppendWorker), or
 * in-thread for `:memory:` or when asked, each batch in one `BEGIN IMMEDIATE` transaction. Rows already stored
 * (by `conflictColumn`) are skipped; `append` resolves with how many were new.
 */
import type Database from 'better-sqlite3';
import type { FollowUps, SqliteAppendWorker } from './sqlite-append-worker.js';
import type { SqliteDatabase } from './sqlite-database.js';

export class SqliteAppender {
  readonly #sql: string;
  readonly #insertAll: Database.Transaction<(rows: readonly unknown[][], followUps?: readonly FollowUps[]) => number>;
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
    const statements = new Map<string, Database.Statement>();
    this.#insertAll = db.transaction((rows: readonly unknown[][], followUps?: readonly FollowUps[]) => {
      let inserted = 0;
      rows.forEach((row, index) => {
        const changes = insert.run(row).changes;
        inserted += changes;
        if (changes !== 1) return;
        for (const [text, params] of followUps?.[index] ?? []) {
          let prepared = statements.get(text);
          if (prepared === undefined) {
            prepared = db.prepare(text);
            statements.set(text, prepared);
          }
          prepared.run(params);
        }
      });
      return inserted;
    });
    this.#worker = (options.onWorker ?? true) && !db.memory ? database.appendWorker() : undefined;
  }

  /**
   * Inserts rows (column values in `columns` order) in one transaction, each new row followed by its
   * `followUps` (see FollowUps); resolves with the rows inserted.
   */
  async append(rows: readonly unknown[][], followUps?: readonly FollowUps[]): Promise<number> {
    if (this.#worker !== undefined) return this.#worker.append(this.#sql, rows, followUps);
    return this.#insertAll.immediate(rows, followUps);
  }

  /** Resolves once the appends sent so far have finished (the worker outlives this table's users). */
  async settled(): Promise<void> {
    await this.#worker?.settled();
  }
}
