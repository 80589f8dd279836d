/**
 * Postgres key store, safe across processes. The hot path (reserve, settle, release) is one statement each:
 * the rule of key-rules.ts written as an `UPDATE … WHERE <rule> RETURNING` (Postgres re-checks the WHERE on the
 * newest row version after waiting for a concurrent writer, so two processes cannot both pass the check). Admin
 * operations lock the row with `SELECT … FOR UPDATE` and reuse the JS rules.
 */
import type pg from 'pg';
import type { Micros } from '../../pricing/money.js';
import { NotFoundError } from '../../spec/errors.js';
import { apiKeyDisplayPrefix, createApiKeyHasher, generateApiKey, generateKeyId } from '../api-keys.js';
import { type CreditHistoryOptions, type CreditLedgerEntry, clampHistoryLimit } from '../credit-ledger.js';
import {
  applyKeyPatch,
  budgetPeriodStart,
  checkReservation,
  DEFAULT_RESERVATION_TTL_MS,
  generateReservationId,
  type KeyFields,
  toKeyRecord,
  trackingPeriod,
  validateAmount,
  validateCreateInput,
  validateKeyPatch,
  validateReason,
} from '../key-rules.js';
import type {
  ApiKeyRecord,
  CreatedKey,
  CreateKeyInput,
  KeyPatch,
  KeyStore,
  KeyStoreOptions,
  ListKeysOptions,
  ReserveOptions,
  ReserveResult,
  SettleOptions,
  SettleResult,
} from '../key-store.js';
import {
  creditEntryFromRow,
  KEY_ALL_COLUMNS,
  KEY_SETTING_COLUMNS,
  keyColumnValues,
  keyFieldsFromRow,
  toInt,
} from '../sql/key-row.js';
import type { TableNames } from '../sql/sql-identifiers.js';
import type { PostgresDatabase } from './postgres-database.js';

type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;
type Row = Record<string, unknown>;
const JSON_COLUMNS = new Set(['metadata', 'models', 'mcp_tools']);

/** The budget period start for the row's own period, from the three candidates passed as parameters. */
function periodStartSql(column: string, day: string, week: string, month: string): string {
  return `(CASE COALESCE(${column}, 'month') WHEN 'day' THEN ${day}::bigint WHEN 'week' THEN ${week}::bigint ELSE ${month}::bigint END)`;
}

export class PostgresKeyStore implements KeyStore {
  readonly #database: PostgresDatabase;
  readonly #t: TableNames;
  readonly #hasher: (plaintext: string) => string;
  readonly #now: () => number;
  readonly #ttlMs: number;

  constructor(database: PostgresDatabase, options: KeyStoreOptions = {}) {
    this.#database = database.retain();
    this.#t = database.tables;
    this.#hasher = options.hasher ?? createApiKeyHasher();
    this.#now = options.now ?? Date.now;
    this.#ttlMs = options.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS;
  }

  async create(input: CreateKeyInput): Promise<CreatedKey> {
    const valid = validateCreateInput(input);
    const now = this.#now();
    const plaintext = generateApiKey();
    const { credits, creditReason, ...settings } = valid;
    const fields: KeyFields = {
      id: generateKeyId(),
      hash: this.#hasher(plaintext),
      displayPrefix: apiKeyDisplayPrefix(plaintext),
      ...settings,
      revokedAt: null,
      balance: 0,
      reserved: 0,
      totalSpent: 0,
      createdAt: now,
      updatedAt: now,
      budgetSpentStored: 0,
      budgetPeriodStartStored: budgetPeriodStart(trackingPeriod(settings.budget), now),
    };
    const values = keyColumnValues(fields, 'postgres');
    const placeholders = KEY_ALL_COLUMNS.map((column, i) => `$${i + 1}${JSON_COLUMNS.has(column) ? '::jsonb' : ''}`);
    await this.#database.transaction(async (client) => {
      await client.query(
        `INSERT INTO ${this.#t.keys} (${KEY_ALL_COLUMNS.join(', ')}) VALUES (${placeholders.join(', ')})`,
        KEY_ALL_COLUMNS.map((column) => values[column]),
      );
      if (credits !== 0) {
        fields.balance = (await this.#appendEntry(client, fields, 'add', credits, creditReason, now)).balanceAfter;
      }
    });
    return { key: toKeyRecord(fields, now), plaintext };
  }

  async getByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.#one(`SELECT * FROM ${this.#t.keys} WHERE key_hash = $1`, [hash]);
  }

  async getByPlaintext(plaintext: string): Promise<ApiKeyRecord | undefined> {
    return this.getByHash(this.#hasher(plaintext));
  }

  async getById(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#one(`SELECT * FROM ${this.#t.keys} WHERE id = $1`, [id]);
  }

  async list(options: ListKeysOptions = {}): Promise<ApiKeyRecord[]> {
    const { rows } = await this.#database.pool.query<Row>(
      `SELECT * FROM ${this.#t.keys} WHERE (revoked_at IS NULL OR $1::boolean)
       ORDER BY created_at DESC, id COLLATE "C" ASC LIMIT $2 OFFSET $3`,
      [options.includeRevoked === true, clampHistoryLimit(options.limit), options.offset ?? 0],
    );
    const now = this.#now();
    return rows.map((row) => toKeyRecord(keyFieldsFromRow(row), now));
  }

  async update(id: string, patch: KeyPatch): Promise<ApiKeyRecord> {
    const valid = validateKeyPatch(patch);
    const now = this.#now();
    const fields = await this.#database.transaction(async (client) => {
      const next = applyKeyPatch(await this.#lock(client, id), valid, now);
      const values = keyColumnValues(next, 'postgres');
      const assignments = KEY_SETTING_COLUMNS.map(
        (column, i) => `${column} = $${i + 2}${JSON_COLUMNS.has(column) ? '::jsonb' : ''}`,
      );
      await client.query(`UPDATE ${this.#t.keys} SET ${assignments.join(', ')} WHERE id = $1`, [
        id,
        ...KEY_SETTING_COLUMNS.map((column) => values[column]),
      ]);
      return next;
    });
    return toKeyRecord(fields, now);
  }

  async rotate(id: string): Promise<CreatedKey> {
    const plaintext = generateApiKey();
    const record = await this.#one(
      `UPDATE ${this.#t.keys} SET key_hash = $2, display_prefix = $3, updated_at = $4 WHERE id = $1 RETURNING *`,
      [id, this.#hasher(plaintext), apiKeyDisplayPrefix(plaintext), this.#now()],
    );
    if (record === undefined) throw notFound(id);
    return { key: record, plaintext };
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    const record = await this.#one(
      `UPDATE ${this.#t.keys} SET revoked_at = COALESCE(revoked_at, $2), enabled = FALSE,
         updated_at = CASE WHEN revoked_at IS NULL THEN $2 ELSE updated_at END
       WHERE id = $1 RETURNING *`,
      [id, this.#now()],
    );
    if (record === undefined) throw notFound(id);
    return record;
  }

  async addCredits(id: string, amount: Micros, reason: string): Promise<CreditLedgerEntry> {
    validateAmount(amount, 'amount', true);
    validateReason(reason);
    const now = this.#now();
    return this.#database.transaction(async (client) =>
      this.#appendEntry(client, await this.#lock(client, id), 'add', amount, reason, now),
    );
  }

  async setCredits(id: string, amount: Micros, reason: string): Promise<CreditLedgerEntry> {
    validateAmount(amount, 'amount', true);
    validateReason(reason);
    const now = this.#now();
    return this.#database.transaction(async (client) => {
      const fields = await this.#lock(client, id);
      return this.#appendEntry(client, fields, 'set', amount - fields.balance, reason, now);
    });
  }

  async creditHistory(id: string, options: CreditHistoryOptions = {}): Promise<CreditLedgerEntry[]> {
    const { rows } = await this.#database.pool.query<Row>(
      `SELECT * FROM ${this.#t.creditLedger} WHERE key_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
      [id, options.beforeId ?? Number.MAX_SAFE_INTEGER, clampHistoryLimit(options.limit)],
    );
    return rows.map(creditEntryFromRow);
  }

  async reserve(keyId: string, amount: Micros, options: ReserveOptions = {}): Promise<ReserveResult> {
    validateAmount(amount, 'amount', false);
    const t = this.#t;
    const period = periodStartSql('budget_period', '$7', '$8', '$9');
    for (let attempt = 0; ; attempt++) {
      const now = this.#now();
      const reservation = {
        id: generateReservationId(),
        keyId,
        amount,
        requestId: options.requestId ?? null,
        createdAt: now,
        expiresAt: now + (options.ttlMs ?? this.#ttlMs),
      };
      const { rowCount } = await this.#database.pool.query(
        `WITH k AS (
           UPDATE ${t.keys} SET reserved = reserved + $2::bigint
           WHERE id = $1 AND enabled AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $3::bigint)
             AND (unlimited_credits OR balance - reserved >= $2::bigint)
             AND (budget_amount IS NULL OR
                  (CASE WHEN budget_period_start = ${period} THEN budget_spent ELSE 0 END) + reserved + $2::bigint
                    <= budget_amount)
           RETURNING id
         )
         INSERT INTO ${t.reservations} (id, key_id, amount, request_id, created_at, expires_at)
         SELECT $4, id, $2::bigint, $5, $3::bigint, $6::bigint FROM k`,
        [keyId, amount, now, reservation.id, reservation.requestId, reservation.expiresAt, ...this.#periodStarts(now)],
      );
      if (rowCount === 1) return { ok: true, reservation };
      // Refused: read the row to say why. If the rule now passes, a concurrent settle/release freed room
      // between the statement and this read, so try again (bounded).
      const row = (await this.#database.pool.query<Row>(`SELECT * FROM ${t.keys} WHERE id = $1`, [keyId])).rows[0];
      if (row === undefined) return { ok: false, reason: 'not_found', available: 0 };
      const check = checkReservation(keyFieldsFromRow(row), amount, now);
      if (!check.ok) return check;
      if (attempt >= 2) return { ok: false, reason: 'insufficient_credits', available: 0 };
    }
  }

  async settle(reservationId: string, actualCost: Micros, options: SettleOptions = {}): Promise<SettleResult> {
    validateAmount(actualCost, 'actualCost', false);
    const t = this.#t;
    const now = this.#now();
    const period = periodStartSql('k.budget_period', '$5', '$6', '$7');
    const { rows } = await this.#database.pool.query<Row>(
      `WITH r AS (
         DELETE FROM ${t.reservations} WHERE id = $1 RETURNING key_id, amount, request_id
       ), charged AS (
         UPDATE ${t.keys} AS k SET
           reserved = k.reserved - r.amount,
           balance = k.balance - $2::bigint,
           total_spent = k.total_spent + $2::bigint,
           budget_spent = (CASE WHEN k.budget_period_start = ${period} THEN k.budget_spent ELSE 0 END) + $2::bigint,
           budget_period_start = ${period}
         FROM r WHERE k.id = r.key_id
         RETURNING k.id, k.balance, r.request_id
       ), entry AS (
         INSERT INTO ${t.creditLedger} (key_id, kind, delta, balance_after, reason, request_id, created_at)
         SELECT id, 'usage', -$2::bigint, balance, $3, request_id, $4::bigint FROM charged WHERE $2::bigint <> 0
       )
       SELECT balance FROM charged`,
      [reservationId, actualCost, options.reason ?? 'usage', now, ...this.#periodStarts(now)],
    );
    const row = rows[0];
    if (row === undefined) return { settled: false, charged: 0 };
    return { settled: true, charged: actualCost, balance: toInt(row.balance) };
  }

  async release(reservationId: string): Promise<boolean> {
    const { rowCount } = await this.#database.pool.query(
      `WITH r AS (DELETE FROM ${this.#t.reservations} WHERE id = $1 RETURNING key_id, amount)
       UPDATE ${this.#t.keys} AS k SET reserved = k.reserved - r.amount FROM r WHERE k.id = r.key_id`,
      [reservationId],
    );
    return rowCount === 1;
  }

  async renewReservations(reservationIds: readonly string[], ttlMs: number): Promise<number> {
    if (reservationIds.length === 0) return 0;
    const { rowCount } = await this.#database.pool.query(
      `UPDATE ${this.#t.reservations} SET expires_at = $2 WHERE id = ANY($1::text[])`,
      [reservationIds, this.#now() + ttlMs],
    );
    return rowCount ?? 0;
  }

  async releaseExpiredReservations(): Promise<number> {
    const { rows } = await this.#database.pool.query<Row>(
      `WITH r AS (DELETE FROM ${this.#t.reservations} WHERE expires_at <= $1 RETURNING key_id, amount),
       s AS (SELECT key_id, SUM(amount) AS amount, COUNT(*) AS n FROM r GROUP BY key_id),
       u AS (UPDATE ${this.#t.keys} AS k SET reserved = k.reserved - s.amount FROM s WHERE k.id = s.key_id)
       SELECT COALESCE(SUM(n), 0) AS released FROM s`,
      [this.#now()],
    );
    return toInt(rows[0]?.released ?? 0);
  }

  async close(): Promise<void> {
    await this.#database.release();
  }

  #periodStarts(now: number): number[] {
    return [budgetPeriodStart('day', now), budgetPeriodStart('week', now), budgetPeriodStart('month', now)];
  }

  async #one(text: string, values: unknown[]): Promise<ApiKeyRecord | undefined> {
    const row = (await this.#database.pool.query<Row>(text, values)).rows[0];
    return row === undefined ? undefined : toKeyRecord(keyFieldsFromRow(row), this.#now());
  }

  async #lock(client: Queryable, id: string): Promise<KeyFields> {
    const row = (await client.query<Row>(`SELECT * FROM ${this.#t.keys} WHERE id = $1 FOR UPDATE`, [id])).rows[0];
    if (row === undefined) throw notFound(id);
    return keyFieldsFromRow(row);
  }

  /** Changes the balance of a row locked by this transaction and records the change. */
  async #appendEntry(
    client: pg.PoolClient,
    fields: KeyFields,
    kind: CreditLedgerEntry['kind'],
    delta: Micros,
    reason: string,
    now: number,
  ): Promise<CreditLedgerEntry> {
    const balance = validateAmount(fields.balance + delta, 'balance', true);
    await client.query(`UPDATE ${this.#t.keys} SET balance = $2, updated_at = $3 WHERE id = $1`, [
      fields.id,
      balance,
      now,
    ]);
    const { rows } = await client.query<Row>(
      `INSERT INTO ${this.#t.creditLedger} (key_id, kind, delta, balance_after, reason, request_id, created_at)
       VALUES ($1, $2, $3, $4, $5, NULL, $6) RETURNING *`,
      [fields.id, kind, delta, balance, reason, now],
    );
    return creditEntryFromRow(rows[0] as Row);
  }
}

function notFound(id: string): NotFoundError {
  return new NotFoundError({ message: `No API key with id ${id}` });
}
