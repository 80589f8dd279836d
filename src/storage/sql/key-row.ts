/**
 * The keys table's columns and their decoding, shared by SQLite (numbers, 0/1, JSON text) and Postgres
 * (int8 as strings, booleans, JSONB objects).
 */
import type { CreditEntryKind, CreditLedgerEntry } from '../credit-ledger.js';
import type { KeyFields } from '../key-rules.js';
import type { BudgetPeriod } from '../key-store.js';

export type SqlDialect = 'sqlite' | 'postgres';

/** Decodes an integer column (pg returns int8 and SUMs as strings). Throws beyond the safe range. */
export function toInt(value: unknown): number {
  const number = typeof value === 'string' || typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
    throw new RangeError(`Expected a safe integer from the database, got ${String(value)}`);
  }
  return number;
}

export function toIntOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : toInt(value);
}

function toBool(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

function toJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

export function keyFieldsFromRow(row: Record<string, unknown>): KeyFields {
  const budgetAmount = toIntOrNull(row.budget_amount);
  const models = toJson(row.models);
  const mcpTools = toJson(row.mcp_tools);
  return {
    id: String(row.id),
    name: String(row.name),
    hash: String(row.key_hash),
    displayPrefix: String(row.display_prefix),
    metadata: (toJson(row.metadata) ?? {}) as Record<string, unknown>,
    models: Array.isArray(models) ? models.map(String) : null,
    mcpTools: Array.isArray(mcpTools) ? mcpTools.map(String) : null,
    rpm: toIntOrNull(row.rpm),
    tpm: toIntOrNull(row.tpm),
    maxParallel: toIntOrNull(row.max_parallel),
    budget: budgetAmount === null ? null : { amount: budgetAmount, period: String(row.budget_period) as BudgetPeriod },
    expiresAt: toIntOrNull(row.expires_at),
    enabled: toBool(row.enabled),
    revokedAt: toIntOrNull(row.revoked_at),
    unlimitedCredits: toBool(row.unlimited_credits),
    balance: toInt(row.balance),
    reserved: toInt(row.reserved),
    totalSpent: toInt(row.total_spent),
    createdAt: toInt(row.created_at),
    updatedAt: toInt(row.updated_at),
    budgetSpentStored: toInt(row.budget_spent),
    budgetPeriodStartStored: toInt(row.budget_period_start),
  };
}

/** Columns an admin update rewrites (everything but identity, secret, money and creation time). */
export const KEY_SETTING_COLUMNS = [
  'name',
  'metadata',
  'models',
  'mcp_tools',
  'rpm',
  'tpm',
  'max_parallel',
  'budget_amount',
  'budget_period',
  'budget_spent',
  'budget_period_start',
  'expires_at',
  'enabled',
  'unlimited_credits',
  'updated_at',
] as const;

export const KEY_ALL_COLUMNS = [
  'id',
  'key_hash',
  'display_prefix',
  ...KEY_SETTING_COLUMNS,
  'revoked_at',
  'balance',
  'reserved',
  'total_spent',
  'created_at',
] as const;

export type KeyColumn = (typeof KEY_ALL_COLUMNS)[number];

/** Column values for a write; JSON goes as text (Postgres casts it to jsonb), booleans as 0/1 for SQLite. */
export function keyColumnValues(fields: KeyFields, dialect: SqlDialect): Record<KeyColumn, unknown> {
  const bool = (value: boolean) => (dialect === 'sqlite' ? (value ? 1 : 0) : value);
  return {
    id: fields.id,
    key_hash: fields.hash,
    display_prefix: fields.displayPrefix,
    name: fields.name,
    metadata: JSON.stringify(fields.metadata),
    models: fields.models === null ? null : JSON.stringify(fields.models),
    mcp_tools: fields.mcpTools === null ? null : JSON.stringify(fields.mcpTools),
    rpm: fields.rpm,
    tpm: fields.tpm,
    max_parallel: fields.maxParallel,
    budget_amount: fields.budget?.amount ?? null,
    budget_period: fields.budget?.period ?? null,
    budget_spent: fields.budgetSpentStored,
    budget_period_start: fields.budgetPeriodStartStored,
    expires_at: fields.expiresAt,
    enabled: bool(fields.enabled),
    unlimited_credits: bool(fields.unlimitedCredits),
    updated_at: fields.updatedAt,
    revoked_at: fields.revokedAt,
    balance: fields.balance,
    reserved: fields.reserved,
    total_spent: fields.totalSpent,
    created_at: fields.createdAt,
  };
}

export function creditEntryFromRow(row: Record<string, unknown>): CreditLedgerEntry {
  return {
    id: toInt(row.id),
    keyId: String(row.key_id),
    kind: String(row.kind) as CreditEntryKind,
    delta: toInt(row.delta),
    balanceAfter: toInt(row.balance_after),
    reason: String(row.reason),
    requestId: row.request_id === null || row.request_id === undefined ? null : String(row.request_id),
    createdAt: toInt(row.created_at),
  };
}
