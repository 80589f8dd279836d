/**
 * Responses kept in SQLite (the gateway's `<dataDir>/llamagate.db` by default), in their own table created at
 * open. better-sqlite3 is synchronous, so the server batches writes off the request path.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { assertTablePrefix, DEFAULT_TABLE_PREFIX } from '../sql/sql-identifiers.js';
import { fromRow, type ResponseRow, type ResponseStore, type StoredResponse, toRow } from './response-store.js';

export interface SqliteResponseStoreOptions {
  /** Database file path (its directory is created), or ':memory:'. */
  file: string;
  tablePrefix?: string;
}

export class SqliteResponseStore implements ResponseStore {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement;
  readonly #select: Database.Statement;
  readonly #delete: Database.Statement;
  readonly #expire: Database.Statement;

  constructor(options: SqliteResponseStoreOptions) {
    const table = `${assertTablePrefix(options.tablePrefix ?? DEFAULT_TABLE_PREFIX)}responses`;
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    this.#db = new Database(options.file);
    try {
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = NORMAL');
      this.#db.pragma('busy_timeout = 5000');
      this.#db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        response TEXT NOT NULL,
        input_items TEXT NOT NULL,
        history TEXT NOT NULL
      )`);
      this.#db.exec(`CREATE INDEX IF NOT EXISTS ${table}_expires ON ${table} (expires_at)`);
    } catch (error) {
      this.#db.close();
      throw error;
    }
    this.#insert = this.#db.prepare(`INSERT OR REPLACE INTO ${table} VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.#select = this.#db.prepare(`SELECT * FROM ${table} WHERE id = ? AND owner = ? AND expires_at > ?`);
    this.#delete = this.#db.prepare(`DELETE FROM ${table} WHERE id = ? AND owner = ?`);
    this.#expire = this.#db.prepare(`DELETE FROM ${table} WHERE expires_at <= ?`);
  }

  async putMany(records: readonly StoredResponse[]): Promise<void> {
    this.#db.transaction(() => {
      for (const record of records) this.#insert.run(...toRow(record));
    })();
  }

  async get(id: string, owner: string, now: number): Promise<StoredResponse | undefined> {
    const row = this.#select.get(id, owner, now) as ResponseRow | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  async delete(id: string, owner: string): Promise<boolean> {
    return this.#delete.run(id, owner).changes > 0;
  }

  async deleteExpired(now: number): Promise<number> {
    return this.#expire.run(now).changes;
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
