/**
 * Versioned Postgres schema. Never edit a released migration; add a version. `migratePostgres` runs at start
 * inside one transaction holding an advisory lock, so several gateway processes starting together apply each
 * version exactly once.
 */
import type pg from 'pg';
import { requestLogIndexes, requestLogPartialIndexes } from '../sql/request-log-sql.js';
import type { TableNames } from '../sql/sql-identifiers.js';
import { usageKeyPartialIndex } from '../sql/usage-sql.js';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

/** `schema` qualifies the indexes a migration drops (Postgres keeps them in their table's schema). */
export function postgresMigrations(t: TableNames, prefix: string, schema: string): Migration[] {
  return [
    {
      version: 1,
      name: 'keys, reservations, credit ledger, usage',
      statements: [
        `CREATE TABLE IF NOT EXISTS ${t.keys} (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          key_hash TEXT NOT NULL UNIQUE,
          display_prefix TEXT NOT NULL,
          metadata JSONB NOT NULL DEFAULT '{}'::jsonb,
          models JSONB,
          rpm BIGINT,
          tpm BIGINT,
          max_parallel BIGINT,
          budget_amount BIGINT,
          budget_period TEXT,
          budget_spent BIGINT NOT NULL DEFAULT 0,
          budget_period_start BIGINT NOT NULL DEFAULT 0,
          expires_at BIGINT,
          enabled BOOLEAN NOT NULL DEFAULT TRUE,
          revoked_at BIGINT,
          unlimited_credits BOOLEAN NOT NULL DEFAULT FALSE,
          balance BIGINT NOT NULL DEFAULT 0,
          reserved BIGINT NOT NULL DEFAULT 0,
          total_spent BIGINT NOT NULL DEFAULT 0,
          created_at BIGINT NOT NULL,
          updated_at BIGINT NOT NULL
        )`,
        `CREATE INDEX IF NOT EXISTS ${prefix}keys_created ON ${t.keys} (created_at)`,
        `CREATE TABLE IF NOT EXISTS ${t.reservations} (
          id TEXT PRIMARY KEY,
          key_id TEXT NOT NULL REFERENCES ${t.keys} (id),
          amount BIGINT NOT NULL,
          request_id TEXT,
          created_at BIGINT NOT NULL,
          expires_at BIGINT NOT NULL
        )`,
        `CREATE INDEX IF NOT EXISTS ${prefix}reservations_expires ON ${t.reservations} (expires_at)`,
        `CREATE TABLE IF NOT EXISTS ${t.creditLedger} (
          id BIGSERIAL PRIMARY KEY,
          key_id TEXT NOT NULL REFERENCES ${t.keys} (id),
          kind TEXT NOT NULL,
          delta BIGINT NOT NULL,
          balance_after BIGINT NOT NULL,
          reason TEXT NOT NULL,
          request_id TEXT,
          created_at BIGINT NOT NULL
        )`,
        `CREATE INDEX IF NOT EXISTS ${prefix}credit_ledger_key ON ${t.creditLedger} (key_id, id)`,
        // COLLATE "C": request ids compare bytewise, as the keyset cursor and the other backends expect.
        `CREATE TABLE IF NOT EXISTS ${t.usage} (
          request_id TEXT COLLATE "C" PRIMARY KEY,
          time BIGINT NOT NULL,
          key_id TEXT,
          model TEXT NOT NULL,
          backend TEXT NOT NULL,
          prompt_tokens INTEGER,
          completion_tokens INTEGER,
          cached_tokens INTEGER,
          reasoning_tokens INTEGER,
          cost BIGINT NOT NULL,
          latency_ms INTEGER,
          ttft_ms INTEGER,
          status INTEGER NOT NULL,
          error_code TEXT,
          cache_hit BOOLEAN NOT NULL,
          estimated BOOLEAN NOT NULL
        )`,
        `CREATE INDEX IF NOT EXISTS ${prefix}usage_key_time ON ${t.usage} (key_id, time)`,
        `CREATE INDEX IF NOT EXISTS ${prefix}usage_model_time ON ${t.usage} (model, time)`,
        `CREATE INDEX IF NOT EXISTS ${prefix}usage_time ON ${t.usage} (time)`,
      ],
    },
    {
      version: 2,
      name: 'request log',
      statements: [
        // COLLATE "C": ids compare bytewise, as the keyset cursor and the other backends expect.
        `CREATE TABLE IF NOT EXISTS ${t.requestLog} (
          id TEXT COLLATE "C" PRIMARY KEY,
          time BIGINT NOT NULL,
          key_id TEXT,
          route TEXT NOT NULL,
          format TEXT NOT NULL,
          model TEXT,
          backend TEXT,
          status INTEGER NOT NULL,
          error_type TEXT,
          error_code TEXT,
          latency_ms INTEGER NOT NULL,
          ttfc_ms INTEGER,
          stream BOOLEAN NOT NULL,
          cache TEXT,
          input_tokens INTEGER,
          output_tokens INTEGER,
          cost BIGINT,
          detail TEXT NOT NULL,
          request_body TEXT,
          response_body TEXT
        )`,
        ...requestLogIndexes(t.requestLog, prefix),
      ],
    },
    {
      version: 3,
      name: 'usage: client request id beside the gateway id, reported cost of capped charges',
      statements: [
        `ALTER TABLE ${t.usage} ADD COLUMN IF NOT EXISTS client_request_id TEXT`,
        `ALTER TABLE ${t.usage} ADD COLUMN IF NOT EXISTS reported_cost BIGINT`,
      ],
    },
    {
      version: 4,
      name: 'key MCP tool restrictions',
      statements: [`ALTER TABLE ${t.keys} ADD COLUMN IF NOT EXISTS mcp_tools JSONB`],
    },
    {
      version: 5,
      name: 'MCP tool calls',
      statements: [
        // COLLATE "C": ids compare bytewise, as the keyset cursor and the other backends expect.
        `CREATE TABLE IF NOT EXISTS ${t.toolCalls} (
          id TEXT COLLATE "C" PRIMARY KEY,
          time BIGINT NOT NULL,
          request_id TEXT,
          key_id TEXT,
          server TEXT NOT NULL,
          tool TEXT NOT NULL,
          source TEXT NOT NULL,
          duration_ms INTEGER NOT NULL,
          outcome TEXT NOT NULL,
          bytes BIGINT NOT NULL,
          cost BIGINT NOT NULL
        )`,
        `CREATE INDEX IF NOT EXISTS ${prefix}tool_calls_key_time ON ${t.toolCalls} (key_id, time)`,
        `CREATE INDEX IF NOT EXISTS ${prefix}tool_calls_time ON ${t.toolCalls} (time)`,
      ],
    },
    {
      version: 6,
      name: 'key, status and error-type indexes hold only the rows their filters match',
      statements: [
        ...requestLogPartialIndexes(t.requestLog, prefix, `${schema}.`),
        ...usageKeyPartialIndex(t.usage, prefix, `${schema}.`),
      ],
    },
  ];
}

/** Applies missing migrations in `schema` (created if absent); returns the versions it applied. */
export async function migratePostgres(
  pool: pg.Pool,
  schema: string,
  t: TableNames,
  prefix: string,
  now = Date.now(),
): Promise<number[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`llamagate-migrate:${schema}.${prefix}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${t.migrations} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
    );
    const applied = new Set(
      (await client.query<{ version: number }>(`SELECT version FROM ${t.migrations}`)).rows.map((row) => row.version),
    );
    const done: number[] = [];
    for (const migration of postgresMigrations(t, prefix, schema)) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) await client.query(statement);
      await client.query(`INSERT INTO ${t.migrations} (version, name, applied_at) VALUES ($1, $2, $3)`, [
        migration.version,
        migration.name,
        now,
      ]);
      done.push(migration.version);
    }
    await client.query('COMMIT');
    return done;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
