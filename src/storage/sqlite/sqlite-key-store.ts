/**
 * SQLite key store. Every write runs in a `BEGIN IMMEDIATE` transaction that reads the key row, applies the
 * shared rules from key-rules.ts and writes back: the write lock makes read-check-write atomic even with other
 * processes on the same file.
 */
import type Database from 'better-sqlite3';
import type { Micros } from '../../pricing/money.js';
import { NotFoundError } from '../../spec/errors.js';
import { apiKeyDisplayPrefix, createApiKeyHasher, generateApiKey, generateKeyId } from '../api-keys.js';
import { type CreditHistoryOptions, type CreditLedgerEntry, clampHistoryLimit } from '../credit-ledger.js';
import {
  applyKeyPatch,
  budgetPeriodStart,
  chargeBudget,
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
  Reservation,
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
import type { SqliteDatabase } from './sqlite-database.js';

type Row = Record<string, unknown>;

export class SqliteKeyStore implements KeyStore {
  readonly #database: SqliteDatabase;
  readonly #db: Database.Database;
  readonly #hasher: (plaintext: string) => string;
  readonly #now: () => number;
  readonly #ttlMs: number;
  readonly #sql: ReturnType<typeof prepareStatements>;

  constructor(database: SqliteDatabase, options: KeyStoreOptions = {}) {
    this.#database = database.retain();
    this.#db = database.db;
    this.#hasher = options.hasher ?? createApiKeyHasher();
    this.#now = options.now ?? Date.now;
    this.#ttlMs = options.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS;
    this.#sql = prepareStatements(database);
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
    this.#transaction(() => {
      this.#sql.insertKey.run(keyColumnValues(fields, 'sqlite'));
      if (credits !== 0)
        fields.balance = this.#appendEntry(fields, 'add', credits, creditReason, null, now).balanceAfter;
    });
    return { key: toKeyRecord(fields, now), plaintext };
  }

  async getByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.#toRecord(this.#sql.selectByHash.get(hash) as Row | undefined);
  }

  async getByPlaintext(plaintext: string): Promise<ApiKeyRecord | undefined> {
    return this.getByHash(this.#hasher(plaintext));
  }

  async getById(id: string): Promise<ApiKeyRecord | undefined> {
    return this.#toRecord(this.#sql.selectById.get(id) as Row | undefined);
  }

  async list(options: ListKeysOptions = {}): Promise<ApiKeyRecord[]> {
    const rows = this.#sql.list.all(
      options.includeRevoked === true ? 1 : 0,
      clampHistoryLimit(options.limit),
      options.offset ?? 0,
    ) as Row[];
    const now = this.#now();
    return rows.map((row) => toKeyRecord(keyFieldsFromRow(row), now));
  }

  async update(id: string, patch: KeyPatch): Promise<ApiKeyRecord> {
    const valid = validateKeyPatch(patch);
    const now = this.#now();
    const next = this.#transaction(() => {
      const fields = applyKeyPatch(this.#require(id), valid, now);
      this.#sql.updateSettings.run(keyColumnValues(fields, 'sqlite'));
      return fields;
    });
    return toKeyRecord(next, now);
  }

  async rotate(id: string): Promise<CreatedKey> {
    const plaintext = generateApiKey();
    const now = this.#now();
    const fields = this.#transaction(() => {
      const current = this.#require(id);
      const next: KeyFields = {
        ...current,
        hash: this.#hasher(plaintext),
        displayPrefix: apiKeyDisplayPrefix(plaintext),
        updatedAt: now,
      };
      this.#sql.updateSecret.run(next.hash, next.displayPrefix, now, id);
      return next;
    });
    return { key: toKeyRecord(fields, now), plaintext };
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    const now = this.#now();
    const fields = this.#transaction(() => {
      this.#require(id);
      this.#sql.revoke.run({ now, id });
      return this.#require(id);
    });
    return toKeyRecord(fields, now);
  }

  async addCredits(id: string, amount: Micros, reason: string): Promise<CreditLedgerEntry> {
    validateAmount(amount, 'amount', true);
    validateReason(reason);
    const now = this.#now();
    return this.#transaction(() => this.#appendEntry(this.#require(id), 'add', amount, reason, null, now));
  }

  async setCredits(id: string, amount: Micros, reason: string): Promise<CreditLedgerEntry> {
    validateAmount(amount, 'amount', true);
    validateReason(reason);
    const now = this.#now();
    return this.#transaction(() => {
      const fields = this.#require(id);
      return this.#appendEntry(fields, 'set', amount - fields.balance, reason, null, now);
    });
  }

  async creditHistory(id: string, options: CreditHistoryOptions = {}): Promise<CreditLedgerEntry[]> {
    const rows = this.#sql.history.all(
      id,
      options.beforeId ?? Number.MAX_SAFE_INTEGER,
      clampHistoryLimit(options.limit),
    ) as Row[];
    return rows.map(creditEntryFromRow);
  }

  async reserve(keyId: string, amount: Micros, options: ReserveOptions = {}): Promise<ReserveResult> {
    validateAmount(amount, 'amount', false);
    const now = this.#now();
    return this.#transaction((): ReserveResult => {
      const row = this.#sql.selectById.get(keyId) as Row | undefined;
      if (row === undefined) return { ok: false, reason: 'not_found', available: 0 };
      const check = checkReservation(keyFieldsFromRow(row), amount, now);
      if (!check.ok) return check;
      const reservation: Reservation = {
        id: generateReservationId(),
        keyId,
        amount,
        requestId: options.requestId ?? null,
        createdAt: now,
        expiresAt: now + (options.ttlMs ?? this.#ttlMs),
      };
      this.#sql.addReserved.run(amount, keyId);
      this.#sql.insertReservation.run(reservation);
      return { ok: true, reservation };
    });
  }

  async settle(reservationId: string, actualCost: Micros, options: SettleOptions = {}): Promise<SettleResult> {
    validateAmount(actualCost, 'actualCost', false);
    const now = this.#now();
    return this.#transaction((): SettleResult => {
      const reservation = this.#sql.deleteReservation.get(reservationId) as Row | undefined;
      if (reservation === undefined) return { settled: false, charged: 0 };
      const fields = this.#require(String(reservation.key_id));
      const budget = chargeBudget(fields, actualCost, now);
      this.#sql.charge.run({
        id: fields.id,
        held: toInt(reservation.amount),
        cost: actualCost,
        spent: budget.budgetSpentStored,
        start: budget.budgetPeriodStartStored,
      });
      const requestId = reservation.request_id === null ? null : String(reservation.request_id);
      // The charge statement already lowered the balance; the ledger entry records the result.
      const balance = fields.balance - actualCost;
      if (actualCost !== 0) {
        this.#insertEntry({ ...fields, balance }, 'usage', -actualCost, options.reason ?? 'usage', requestId, now);
      }
      return { settled: true, charged: actualCost, balance };
    });
  }

  async release(reservationId: string): Promise<boolean> {
    return this.#transaction(() => this.#releaseOne(reservationId));
  }

  async renewReservations(reservationIds: readonly string[], ttlMs: number): Promise<number> {
    if (reservationIds.length === 0) return 0;
    return this.#sql.renewReservations.run(this.#now() + ttlMs, JSON.stringify(reservationIds)).changes;
  }

  async releaseExpiredReservations(): Promise<number> {
    const now = this.#now();
    return this.#transaction(() => {
      const expired = this.#sql.expiredReservations.all(now) as { id: string }[];
      return expired.filter((row) => this.#releaseOne(row.id)).length;
    });
  }

  async close(): Promise<void> {
    await this.#database.release();
  }

  #releaseOne(reservationId: string): boolean {
    const reservation = this.#sql.deleteReservation.get(reservationId) as Row | undefined;
    if (reservation === undefined) return false;
    this.#sql.addReserved.run(-toInt(reservation.amount), String(reservation.key_id));
    return true;
  }

  #transaction<T>(work: () => T): T {
    return this.#db.transaction(work).immediate();
  }

  #require(id: string): KeyFields {
    const row = this.#sql.selectById.get(id) as Row | undefined;
    if (row === undefined) throw new NotFoundError({ message: `No API key with id ${id}` });
    return keyFieldsFromRow(row);
  }

  #toRecord(row: Row | undefined): ApiKeyRecord | undefined {
    return row === undefined ? undefined : toKeyRecord(keyFieldsFromRow(row), this.#now());
  }

  /** Changes the balance by `delta` and records it; must run inside a transaction. */
  #appendEntry(
    fields: KeyFields,
    kind: CreditLedgerEntry['kind'],
    delta: Micros,
    reason: string,
    requestId: string | null,
    now: number,
  ): CreditLedgerEntry {
    const balance = validateAmount(fields.balance + delta, 'balance', true);
    this.#sql.setBalance.run(balance, now, fields.id);
    return this.#insertEntry({ ...fields, balance }, kind, delta, reason, requestId, now);
  }

  #insertEntry(
    fields: KeyFields,
    kind: CreditLedgerEntry['kind'],
    delta: Micros,
    reason: string,
    requestId: string | null,
    now: number,
  ): CreditLedgerEntry {
    const entry = { keyId: fields.id, kind, delta, balanceAfter: fields.balance, reason, requestId, createdAt: now };
    const result = this.#sql.insertEntry.run(entry);
    return { id: Number(result.lastInsertRowid), ...entry };
  }
}

function prepareStatements(database: SqliteDatabase) {
  const { db, tables: t } = database;
  const settings = KEY_SETTING_COLUMNS.map((column) => `${column} = @${column}`).join(', ');
  return {
    insertKey: db.prepare(
      `INSERT INTO ${t.keys} (${KEY_ALL_COLUMNS.join(', ')}) VALUES (${KEY_ALL_COLUMNS.map((c) => `@${c}`).join(', ')})`,
    ),
    selectById: db.prepare(`SELECT * FROM ${t.keys} WHERE id = ?`),
    selectByHash: db.prepare(`SELECT * FROM ${t.keys} WHERE key_hash = ?`),
    list: db.prepare(
      `SELECT * FROM ${t.keys} WHERE (revoked_at IS NULL OR ? = 1) ORDER BY created_at DESC, id ASC LIMIT ? OFFSET ?`,
    ),
    updateSettings: db.prepare(`UPDATE ${t.keys} SET ${settings} WHERE id = @id`),
    updateSecret: db.prepare(`UPDATE ${t.keys} SET key_hash = ?, display_prefix = ?, updated_at = ? WHERE id = ?`),
    revoke: db.prepare(
      `UPDATE ${t.keys} SET revoked_at = COALESCE(revoked_at, @now), enabled = 0,
         updated_at = CASE WHEN revoked_at IS NULL THEN @now ELSE updated_at END WHERE id = @id`,
    ),
    setBalance: db.prepare(`UPDATE ${t.keys} SET balance = ?, updated_at = ? WHERE id = ?`),
    addReserved: db.prepare(`UPDATE ${t.keys} SET reserved = reserved + ? WHERE id = ?`),
    charge: db.prepare(
      `UPDATE ${t.keys} SET reserved = reserved - @held, balance = balance - @cost, total_spent = total_spent + @cost,
         budget_spent = @spent, budget_period_start = @start WHERE id = @id`,
    ),
    insertReservation: db.prepare(
      `INSERT INTO ${t.reservations} (id, key_id, amount, request_id, created_at, expires_at)
       VALUES (@id, @keyId, @amount, @requestId, @createdAt, @expiresAt)`,
    ),
    deleteReservation: db.prepare(`DELETE FROM ${t.reservations} WHERE id = ? RETURNING key_id, amount, request_id`),
    expiredReservations: db.prepare(`SELECT id FROM ${t.reservations} WHERE expires_at <= ?`),
    renewReservations: db.prepare(
      `UPDATE ${t.reservations} SET expires_at = ? WHERE id IN (SELECT value FROM json_each(?))`,
    ),
    insertEntry: db.prepare(
      `INSERT INTO ${t.creditLedger} (key_id, kind, delta, balance_after, reason, request_id, created_at)
       VALUES (@keyId, @kind, @delta, @balanceAfter, @reason, @requestId, @createdAt)`,
    ),
    history: db.prepare(`SELECT * FROM ${t.creditLedger} WHERE key_id = ? AND id < ? ORDER BY id DESC LIMIT ?`),
  };
}
