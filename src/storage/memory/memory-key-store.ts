/**
 * In-memory key store for tests and library use. Every method runs synchronously inside its promise, so each
 * call is atomic with respect to the others in this process. Nothing survives a restart.
 */

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

export class MemoryKeyStore implements KeyStore {
  readonly #keys = new Map<string, KeyFields>();
  readonly #idByHash = new Map<string, string>();
  readonly #reservations = new Map<string, Reservation>();
  readonly #ledger: CreditLedgerEntry[] = [];
  readonly #hasher: (plaintext: string) => string;
  readonly #now: () => number;
  readonly #ttlMs: number;

  constructor(options: KeyStoreOptions = {}) {
    this.#hasher = options.hasher ?? createApiKeyHasher();
    this.#now = options.now ?? Date.now;
    this.#ttlMs = options.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS;
  }

  async create(input: CreateKeyInput): Promise<CreatedKey> {
    const valid = validateCreateInput(input);
    const now = this.#now();
    const plaintext = generateApiKey();
    const hash = this.#hasher(plaintext);
    const { credits, creditReason, ...settings } = valid;
    const fields: KeyFields = {
      id: generateKeyId(),
      hash,
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
    this.#keys.set(fields.id, fields);
    this.#idByHash.set(hash, fields.id);
    if (credits !== 0) this.#appendEntry(fields, 'add', credits, creditReason, null, now);
    return { key: this.#record(fields), plaintext };
  }

  async getByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const id = this.#idByHash.get(hash);
    return id === undefined ? undefined : this.getById(id);
  }

  async getByPlaintext(plaintext: string): Promise<ApiKeyRecord | undefined> {
    return this.getByHash(this.#hasher(plaintext));
  }

  async getById(id: string): Promise<ApiKeyRecord | undefined> {
    const fields = this.#keys.get(id);
    return fields === undefined ? undefined : this.#record(fields);
  }

  async list(options: ListKeysOptions = {}): Promise<ApiKeyRecord[]> {
    const limit = clampHistoryLimit(options.limit);
    return [...this.#keys.values()]
      .filter((fields) => options.includeRevoked === true || fields.revokedAt === null)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))
      .slice(options.offset ?? 0, (options.offset ?? 0) + limit)
      .map((fields) => this.#record(fields));
  }

  async update(id: string, patch: KeyPatch): Promise<ApiKeyRecord> {
    const valid = validateKeyPatch(patch);
    const fields = this.#require(id);
    const next = applyKeyPatch(fields, valid, this.#now());
    Object.assign(fields, next);
    return this.#record(fields);
  }

  async rotate(id: string): Promise<CreatedKey> {
    const fields = this.#require(id);
    const plaintext = generateApiKey();
    this.#idByHash.delete(fields.hash);
    fields.hash = this.#hasher(plaintext);
    fields.displayPrefix = apiKeyDisplayPrefix(plaintext);
    fields.updatedAt = this.#now();
    this.#idByHash.set(fields.hash, id);
    return { key: this.#record(fields), plaintext };
  }

  async revoke(id: string): Promise<ApiKeyRecord> {
    const fields = this.#require(id);
    if (fields.revokedAt === null) {
      fields.revokedAt = this.#now();
      fields.enabled = false;
      fields.updatedAt = fields.revokedAt;
    }
    return this.#record(fields);
  }

  async addCredits(id: string, amount: Micros, reason: string): Promise<CreditLedgerEntry> {
    validateAmount(amount, 'amount', true);
    validateReason(reason);
    const fields = this.#require(id);
    return this.#appendEntry(fields, 'add', amount, reason, null, this.#now());
  }

  async setCredits(id: string, amount: Micros, reason: string): Promise<CreditLedgerEntry> {
    validateAmount(amount, 'amount', true);
    validateReason(reason);
    const fields = this.#require(id);
    return this.#appendEntry(fields, 'set', amount - fields.balance, reason, null, this.#now());
  }

  async creditHistory(id: string, options: CreditHistoryOptions = {}): Promise<CreditLedgerEntry[]> {
    const limit = clampHistoryLimit(options.limit);
    const out: CreditLedgerEntry[] = [];
    for (let i = this.#ledger.length - 1; i >= 0 && out.length < limit; i--) {
      const entry = this.#ledger[i] as CreditLedgerEntry;
      if (entry.keyId === id && (options.beforeId === undefined || entry.id < options.beforeId)) {
        out.push({ ...entry });
      }
    }
    return out;
  }

  async reserve(keyId: string, amount: Micros, options: ReserveOptions = {}): Promise<ReserveResult> {
    validateAmount(amount, 'amount', false);
    const fields = this.#keys.get(keyId);
    if (fields === undefined) return { ok: false, reason: 'not_found', available: 0 };
    const now = this.#now();
    const check = checkReservation(fields, amount, now);
    if (!check.ok) return check;
    fields.reserved += amount;
    const reservation: Reservation = {
      id: generateReservationId(),
      keyId,
      amount,
      requestId: options.requestId ?? null,
      createdAt: now,
      expiresAt: now + (options.ttlMs ?? this.#ttlMs),
    };
    this.#reservations.set(reservation.id, reservation);
    return { ok: true, reservation: { ...reservation } };
  }

  async settle(reservationId: string, actualCost: Micros, options: SettleOptions = {}): Promise<SettleResult> {
    validateAmount(actualCost, 'actualCost', false);
    const reservation = this.#reservations.get(reservationId);
    if (reservation === undefined) return { settled: false, charged: 0 };
    this.#reservations.delete(reservationId);
    const fields = this.#require(reservation.keyId);
    const now = this.#now();
    fields.reserved -= reservation.amount;
    Object.assign(fields, chargeBudget(fields, actualCost, now));
    fields.totalSpent += actualCost;
    if (actualCost !== 0) {
      this.#appendEntry(fields, 'usage', -actualCost, options.reason ?? 'usage', reservation.requestId, now);
    }
    return { settled: true, charged: actualCost, balance: fields.balance };
  }

  async release(reservationId: string): Promise<boolean> {
    const reservation = this.#reservations.get(reservationId);
    if (reservation === undefined) return false;
    this.#reservations.delete(reservationId);
    const fields = this.#keys.get(reservation.keyId);
    if (fields !== undefined) fields.reserved -= reservation.amount;
    return true;
  }

  async renewReservations(reservationIds: readonly string[], ttlMs: number): Promise<number> {
    const expiresAt = this.#now() + ttlMs;
    let renewed = 0;
    for (const id of reservationIds) {
      const reservation = this.#reservations.get(id);
      if (reservation === undefined) continue;
      reservation.expiresAt = expiresAt;
      renewed++;
    }
    return renewed;
  }

  async releaseExpiredReservations(): Promise<number> {
    const now = this.#now();
    let released = 0;
    for (const reservation of [...this.#reservations.values()]) {
      if (reservation.expiresAt <= now && (await this.release(reservation.id))) released++;
    }
    return released;
  }

  async close(): Promise<void> {}

  #require(id: string): KeyFields {
    const fields = this.#keys.get(id);
    if (fields === undefined) throw new NotFoundError({ message: `No API key with id ${id}` });
    return fields;
  }

  #record(fields: KeyFields): ApiKeyRecord {
    return structuredClone(toKeyRecord(fields, this.#now()));
  }

  #appendEntry(
    fields: KeyFields,
    kind: CreditLedgerEntry['kind'],
    delta: Micros,
    reason: string,
    requestId: string | null,
    now: number,
  ): CreditLedgerEntry {
    fields.balance = validateAmount(fields.balance + delta, 'balance', true);
    // updatedAt tracks admin changes; usage charges would otherwise bump it on every request.
    if (kind !== 'usage') fields.updatedAt = now;
    const entry: CreditLedgerEntry = {
      id: this.#ledger.length + 1,
      keyId: fields.id,
      kind,
      delta,
      balanceAfter: fields.balance,
      reason,
      requestId,
      createdAt: now,
    };
    this.#ledger.push(entry);
    return { ...entry };
  }
}
