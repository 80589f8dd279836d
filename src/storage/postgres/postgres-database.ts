/**
 * A pg Pool shared by the Postgres key store and usage ledger, with the schema migrated at open. Safe for
 * several gateway processes on one database: every credit operation is one atomic statement or a transaction
 * holding the key's row lock.
 */
import pg from 'pg';
import {
  assertSchemaName,
  assertTablePrefix,
  DEFAULT_TABLE_PREFIX,
  type TableNames,
  tableNames,
} from '../sql/sql-identifiers.js';
import { type StorageLogger, silentLogger } from '../storage-logger.js';
import { migratePostgres } from './postgres-migrations.js';
import { NulSafeClient } from './postgres-text.js';

export interface PostgresDatabaseOptions {
  /** `postgres://user@host:5432/db` (e.g. `DATABASE_URL`). Ignored when `pool` is given. */
  connectionString?: string;
  /** An existing pool (not closed by `release`). */
  pool?: pg.Pool;
  /** Schema holding the tables; created if absent. Default 'public'. */
  schema?: string;
  /** Prefix of every table name. Default 'lg_'. */
  tablePrefix?: string;
  /** Pool size. Default 10. */
  maxConnections?: number;
  /** Server-side limit per statement, so a stuck database fails requests instead of hanging them. Default 5000 ms. */
  statementTimeoutMs?: number;
  logger?: StorageLogger;
}

export class PostgresDatabase {
  readonly pool: pg.Pool;
  readonly tables: TableNames;
  readonly schema: string;
  readonly #ownsPool: boolean;
  #users = 0;

  private constructor(pool: pg.Pool, ownsPool: boolean, schema: string, prefix: string) {
    this.pool = pool;
    this.#ownsPool = ownsPool;
    this.schema = schema;
    this.tables = tableNames(prefix, (table) => `${schema}.${table}`);
  }

  static async open(options: PostgresDatabaseOptions): Promise<PostgresDatabase> {
    const schema = assertSchemaName(options.schema ?? 'public');
    const prefix = assertTablePrefix(options.tablePrefix ?? DEFAULT_TABLE_PREFIX);
    if (options.pool === undefined && options.connectionString === undefined) {
      throw new Error('PostgresDatabase needs a connectionString or a pool');
    }
    const pool =
      options.pool ??
      new pg.Pool({
        Client: NulSafeClient,
        connectionString: options.connectionString,
        max: options.maxConnections ?? 10,
        connectionTimeoutMillis: 5000,
        statement_timeout: options.statementTimeoutMs ?? 5000,
      });
    if (options.pool === undefined) {
      // An idle client losing its connection emits on the pool; without a listener that crashes the process.
      const logger = options.logger ?? silentLogger;
      pool.on('error', (error) => logger.warn({ err: error }, 'postgres idle client error'));
    }
    const database = new PostgresDatabase(pool, options.pool === undefined, schema, prefix);
    try {
      await migratePostgres(pool, schema, database.tables, prefix);
    } catch (error) {
      if (options.pool === undefined) await pool.end();
      throw error;
    }
    return database;
  }

  retain(): this {
    this.#users++;
    return this;
  }

  async release(): Promise<void> {
    this.#users--;
    if (this.#users <= 0 && this.#ownsPool && !this.pool.ended) await this.pool.end();
  }

  /** Runs `work` in a transaction on one client. */
  async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}
