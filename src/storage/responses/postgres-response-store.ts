/**
 * Responses kept in Postgres, for a fleet: any gateway process can continue any conversation. Its own table,
 * created at open; JSON kept as text so field order survives.
 */
import pg from 'pg';
import { NulSafeClient } from '../postgres/postgres-text.js';
import { assertSchemaName, assertTablePrefix, DEFAULT_TABLE_PREFIX } from '../sql/sql-identifiers.js';
import { fromRow, type ResponseRow, type ResponseStore, type StoredResponse, toRow } from './response-store.js';

export interface PostgresResponseStoreOptions {
  connectionString: string;
  schema?: string;
  tablePrefix?: string;
}

export class PostgresResponseStore implements ResponseStore {
  readonly #pool: pg.Pool;
  readonly #table: string;

  private constructor(pool: pg.Pool, table: string) {
    this.#pool = pool;
    this.#table = table;
  }

  static async open(options: PostgresResponseStoreOptions): Promise<PostgresResponseStore> {
    const schema = assertSchemaName(options.schema ?? 'public');
    const name = `${assertTablePrefix(options.tablePrefix ?? DEFAULT_TABLE_PREFIX)}responses`;
    const pool = new pg.Pool({ Client: NulSafeClient, connectionString: options.connectionString, max: 4 });
    // An idle client losing its connection emits on the pool; without a listener that crashes the process.
    pool.on('error', () => {});
    try {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await pool.query(`CREATE TABLE IF NOT EXISTS ${schema}.${name} (
        id TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        response TEXT NOT NULL,
        input_items TEXT NOT NULL,
        history TEXT NOT NULL
      )`);
      await pool.query(`CREATE INDEX IF NOT EXISTS ${name}_expires ON ${schema}.${name} (expires_at)`);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresResponseStore(pool, `${schema}.${name}`);
  }

  async putMany(records: readonly StoredResponse[]): Promise<void> {
    if (records.length === 0) return;
    const values: unknown[] = [];
    const tuples = records.map((record, index) => {
      values.push(...toRow(record));
      const base = index * 7;
      return `(${Array.from({ length: 7 }, (_, offset) => `$${base + offset + 1}`).join(', ')})`;
    });
    await this.#pool.query(
      `INSERT INTO ${this.#table} (id, owner, created_at, expires_at, response, input_items, history)
       VALUES ${tuples.join(', ')}
       ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner, created_at = EXCLUDED.created_at,
         expires_at = EXCLUDED.expires_at, response = EXCLUDED.response, input_items = EXCLUDED.input_items,
         history = EXCLUDED.history`,
      values,
    );
  }

  async get(id: string, owner: string, now: number): Promise<StoredResponse | undefined> {
    const result = await this.#pool.query<ResponseRow>(
      `SELECT * FROM ${this.#table} WHERE id = $1 AND owner = $2 AND expires_at > $3`,
      [id, owner, now],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : fromRow(row);
  }

  async delete(id: string, owner: string): Promise<boolean> {
    const result = await this.#pool.query(`DELETE FROM ${this.#table} WHERE id = $1 AND owner = $2`, [id, owner]);
    return (result.rowCount ?? 0) > 0;
  }

  async deleteExpired(now: number): Promise<number> {
    const result = await this.#pool.query(`DELETE FROM ${this.#table} WHERE expires_at <= $1`, [now]);
    return result.rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (!this.#pool.ended) await this.#pool.end();
  }
}
