/**
 * Versioned SQLite schema. A migration is never edited once released: add a new version instead. Applied
 * versions are recorded in `<prefix>schema_migrations`; `migrateSqlite` runs the missing ones at open, inside
 * one IMMEDIATE transaction, so two processes opening the same file cannot both apply a version.
 */
import type Database from 'better-sqlite3';
import { requestLogIndexes, requestLogPartialIndexes } from '../sql/request-log-sql.js';
import type { TableNames } from '../sql/sql-identifiers.js';
import { usageKeyPartialIndex } from '../sql/usage-sql.js';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export function sqliteMigrations(t: TableNames, prefix: string): Migration[] {
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
          metadata TEXT NOT NULL DEFAULT '{}',
          models TEXT,
          rpm INTEGER,
          tpm INTEGER,
          max_parallel INTEGER,
          budget_amount INTEGER,
          budget_period TEXT,
          budget_spent INTEGER NOT NULL DEFAULT 0,
          budget_period_start INTEGER NOT NULL DEFAULT 0,
          expires_at INTEGER,
          enabled INTEGER NOT NULL DEFAULT 1,
          revoked_at INTEGER,
          unlimited_credits INTEGER NOT NULL DEFAULT 0,
          balance INTEGER NOT NULL DEFAULT 0,
          reserved INTEGER NOT NULL DEFAULT 0,
          total_spent INTEGER NOT NULL DEFAULT 0,
          created_at INTEGER NOT NULL,
          updated_at INTEGER NOT NULL
        )`,
        `CREATE INDEX IF NOT EXISTS ${prefix}keys_created ON ${t.keys} (created_at)`,
        `CREATE TABLE IF NOT EXISTS ${t.reservations} (
          id TEXT PRIMARY KEY,
          key_id TEXT NOT NULL REFERENCES ${t.keys} (id),
          amount INTEGER NOT NULL,
          request_id TEXT,
          created_at INTEGER NOT NULL,
          expires_at INTEGER NOT NULL
        )`,
        `CREATE INDEX IF NOT EXISTS ${prefix}reservations_expires ON ${t.reservations} (expires_at)`,
        `CREATE TABLE IF NOT EXISTS ${t.creditLedger} (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          key_id TEXT NOT NULL REFERENCES ${t.keys} (id),
          kind TEXT NOT NULL,
          delta INTEGER NOT NULL,
          balance_after INTEGER NOT NULL,
          reason TEXT NOT NULL,
          request_id TEXT,
          created_at INTEGER NOT NULL
        )`,
        `CREATE INDEX IF NOT EXISTS ${prefix}credit_ledger_key ON ${t.creditLedger} (key_id, id)`,
        `CREATE TABLE IF NOT EXISTS ${t.usage} (
          request_id TEXT PRIMARY KEY,
          time INTEGER NOT NULL,
          key_id TEXT,
          model TEXT NOT NULL,
          backend TEXT NOT NULL,
          prompt_tokens INTEGER,
          completion_tokens INTEGER,
          cached_tokens INTEGER,
          reasoning_tokens INTEGER,
          cost INTEGER NOT NULL,
          latency_ms INTEGER,
          ttft_ms INTEGER,
          status INTEGER NOT NULL,
          error_code TEXT,
          cache_hit INTEGER NOT NULL,
          estimated INTEGER NOT NULL
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
        `CREATE TABLE IF NOT EXISTS ${t.requestLog} (
          id TEXT PRIMARY KEY,
          time INTEGER NOT NULL,
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
          stream INTEGER NOT NULL,
          cache TEXT,
          input_tokens INTEGER,
          output_tokens INTEGER,
          cost INTEGER,
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
        `ALTER TABLE ${t.usage} ADD COLUMN client_request_id TEXT`,
        `ALTER TABLE ${t.usage} ADD COLUMN reported_cost INTEGER`,
      ],
    },
    {
      version: 4,
      name: 'key MCP tool restrictions',
      statements: [`ALTER TABLE ${t.keys} ADD COLUMN mcp_tools TEXT`],
    },
    {
      version: 5,
      name: 'MCP tool calls',
      statements: [
        `CREATE TABLE IF NOT EXISTS ${t.toolCalls} (
          id TEXT PRIMARY KEY,
          time INTEGER NOT NULL,
          request_id TEXT,
          key_id TEXT,
          server TEXT NOT NULL,
          tool TEXT NOT NULL,
          source TEXT NOT NULL,
          duration_ms INTEGER NOT NULL,
          outcome TEXT NOT NULL,
          bytes INTEGER NOT NULL,
          cost INTEGER NOT NULL
        )`,
        `CREATE INDEX IF NOT EXISTS ${prefix}tool_calls_key_time ON ${t.toolCalls} (key_id, time)`,
        `CREATE INDEX IF NOT EXISTS ${prefix}tool_calls_time ON ${t.toolCalls} (time)`,
      ],
    },
    {
      version: 6,
      name: 'key, status and error-type indexes hold only the rows their filters match',
      statements: [...requestLogPartialIndexes(t.requestLog, prefix), ...usageKeyPartialIndex(t.usage, prefix)],
    },
  ];
}

/** Applies missing migrations; returns the versions it applied. */
export function migrateSqlite(db: Database.Database, t: TableNames, prefix: string, now = Date.now()): number[] {
  const run = db.transaction(() => {
    db.exec(
      `CREATE TABLE IF NOT EXISTS ${t.migrations} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
    );
    const applied = new Set(
      (db.prepare(`SELECT version FROM ${t.migrations}`).all() as { version: number }[]).map((row) => row.version),
    );
    const done: number[] = [];
    for (const migration of sqliteMigrations(t, prefix)) {
      if (applied.has(migration.version)) continue;
      for (const statement of migration.statements) db.exec(statement);
      db.prepare(`INSERT INTO ${t.migrations} (version, name, applied_at) VALUES (?, ?, ?)`).run(
        migration.version,
        migration.name,
        now,
      );
      done.push(migration.version);
    }
    return done;
  });
  return run.immediate();
}
