/**
 * One better-sqlite3 connection shared by the SQLite key store and usage ledger (WAL mode, migrations at
 * open). better-sqlite3 is synchronous: each call blocks the event loop for its (microsecond-scale) duration,
 * which is why callers cache key lookups and batch ledger writes.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { assertTablePrefix, DEFAULT_TABLE_PREFIX, type TableNames, tableNames } from '../sql/sql-identifiers.js';
import { SqliteAppendWorker } from './sqlite-append-worker.js';
import { migrateSqlite } from './sqlite-migrations.js';

export interface SqliteDatabaseOptions {
  /** Database file path (its directory is created), or ':memory:'. */
  file: string;
  /** Prefix of every table name. Default 'lg_'. */
  tablePrefix?: string;
  /** How long a write waits for another process's lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
}

/** A shared connection closed when its last user closes it. */
export class SqliteDatabase {
  readonly db: Database.Database;
  readonly tables: TableNames;
  readonly prefix: string;
  #users = 0;
  #appendWorker: SqliteAppendWorker | undefined;

  private constructor(db: Database.Database, prefix: string) {
    this.db = db;
    this.prefix = prefix;
    this.tables = tableNames(prefix);
  }

  static open(options: SqliteDatabaseOptions): SqliteDatabase {
    const prefix = assertTablePrefix(options.tablePrefix ?? DEFAULT_TABLE_PREFIX);
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    const db = new Database(options.file);
    try {
      db.pragma('journal_mode = WAL');
      // NORMAL is durable across application crashes in WAL mode (only an OS crash may lose the last commits).
      db.pragma('synchronous = NORMAL');
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      db.pragma('foreign_keys = ON');
      const database = new SqliteDatabase(db, prefix);
      migrateSqlite(db, database.tables, prefix);
      return database;
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Registers a user; `release()` once per `retain()`. */
  retain(): this {
    this.#users++;
    return this;
  }

  /** The worker thread every appender of this file shares, started on first use (file databases only). */
  appendWorker(): SqliteAppendWorker {
    this.#appendWorker ??= new SqliteAppendWorker({
      file: this.db.name,
      busyTimeoutMs: Number(this.db.pragma('busy_timeout', { simple: true })),
    });
    return this.#appendWorker;
  }

  /** The last user's release closes the append worker (after its pending appends) and the connection. */
  async release(): Promise<void> {
    this.#users--;
    if (this.#users > 0) return;
    const worker = this.#appendWorker;
    this.#appendWorker = undefined;
    await worker?.close();
    if (this.db.open) this.db.close();
  }
}
