/**
 * The key rules every backend shares: input validation, budget periods, the reservation check, and the
 * mapping from stored columns to {@link ApiKeyRecord}. Keeping them here means memory, SQLite and Postgres
 * cannot drift apart on what "enough credit" means.
 */

import type { Micros } from '../pricing/money.js';
import {
  AuthenticationError,
  BadRequestError,
  InsufficientQuotaError,
  type LlamaGateError,
  PermissionDeniedError,
} from '../spec/errors.js';
import { randomIdBase62 } from './api-keys.js';
import type {
  ApiKeyRecord,
  BudgetPeriod,
  CreateKeyInput,
  KeyBudget,
  KeyPatch,
  ReserveFailureReason,
} from './key-store.js';

export const DEFAULT_RESERVATION_TTL_MS = 15 * 60_000;
const BUDGET_PERIODS: readonly BudgetPeriod[] = ['day', 'week', 'month'];
const DAY_MS = 86_400_000;

/** Start (epoch ms, UTC) of the budget period containing `now`. Weeks start on Monday. */
export function budgetPeriodStart(period: BudgetPeriod, now: number): number {
  const date = new Date(now);
  const dayStart = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  if (period === 'day') return dayStart;
  if (period === 'week') return dayStart - ((date.getUTCDay() + 6) % 7) * DAY_MS;
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/** Keys without a budget still track spend by month, so a monthly budget set mid-month starts informed. */
export function trackingPeriod(budget: KeyBudget | null): BudgetPeriod {
  return budget?.period ?? 'month';
}

/** The columns a backend stores, decoded to JS values. `budgetSpent` is as stored (maybe from an old period). */
export interface KeyFields extends Omit<ApiKeyRecord, 'budgetSpent'> {
  budgetSpentStored: Micros;
  budgetPeriodStartStored: number;
}

/** Spend in the current period: the stored value if it belongs to the current period, else 0. */
export function currentBudgetSpent(fields: KeyFields, now: number): Micros {
  const start = budgetPeriodStart(trackingPeriod(fields.budget), now);
  return fields.budgetPeriodStartStored === start ? fields.budgetSpentStored : 0;
}

export function toKeyRecord(fields: KeyFields, now: number): ApiKeyRecord {
  const { budgetSpentStored: _spent, budgetPeriodStartStored: _start, ...rest } = fields;
  return { ...rest, budgetSpent: currentBudgetSpent(fields, now) };
}

/** The fields after an admin patch. A changed budget period keeps this period's spend only if the period kind stays. */
export function applyKeyPatch(fields: KeyFields, patch: KeyPatch, now: number): KeyFields {
  const next: KeyFields = { ...fields, ...patch, updatedAt: now };
  if (patch.budget !== undefined) {
    const samePeriod = trackingPeriod(fields.budget) === trackingPeriod(patch.budget);
    next.budgetSpentStored = samePeriod ? currentBudgetSpent(fields, now) : 0;
    next.budgetPeriodStartStored = budgetPeriodStart(trackingPeriod(patch.budget), now);
  }
  return next;
}

/** Budget bookkeeping after charging `cost`: the new stored spend and period start. */
export function chargeBudget(
  fields: KeyFields,
  cost: Micros,
  now: number,
): Pick<KeyFields, 'budgetSpentStored' | 'budgetPeriodStartStored'> {
  return {
    budgetSpentStored: currentBudgetSpent(fields, now) + cost,
    budgetPeriodStartStored: budgetPeriodStart(trackingPeriod(fields.budget), now),
  };
}

/**
 * Why a (cached) key may not be used right now, or null when it may: the authentication-time half of the
 * reservation rule, without credits and budget (those need the atomic `reserve`).
 */
export function keyUnusableReason(
  key: Pick<ApiKeyRecord, 'revokedAt' | 'enabled' | 'expiresAt'>,
  now: number,
): 'revoked' | 'disabled' | 'expired' | null {
  if (key.revokedAt !== null) return 'revoked';
  if (!key.enabled) return 'disabled';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return null;
}

export type ReservationCheck = { ok: true } | { ok: false; reason: ReserveFailureReason; available: Micros };

/** The reservation rule (see key-store.ts). `fields` must be read inside the same atomic step as the update. */
export function checkReservation(fields: KeyFields, amount: Micros, now: number): ReservationCheck {
  const unusable = keyUnusableReason(fields, now);
  if (unusable !== null) return { ok: false, reason: unusable, available: 0 };
  const creditsLeft = fields.balance - fields.reserved;
  if (!fields.unlimitedCredits && creditsLeft < amount) {
    return { ok: false, reason: 'insufficient_credits', available: Math.max(creditsLeft, 0) };
  }
  if (fields.budget !== null) {
    const budgetLeft = fields.budget.amount - currentBudgetSpent(fields, now) - fields.reserved;
    if (budgetLeft < amount) return { ok: false, reason: 'budget_exceeded', available: Math.max(budgetLeft, 0) };
  }
  return { ok: true };
}

/** The gateway error for a failed reservation (401 unknown/revoked/expired, 403 disabled, 402 credits/budget). */
export function reserveFailureError(reason: ReserveFailureReason, keyId?: string): LlamaGateError {
  const subject = keyId === undefined ? 'API key' : `API key ${keyId}`;
  switch (reason) {
    case 'not_found':
      return new AuthenticationError({ message: 'Invalid API key', code: 'invalid_api_key' });
    case 'revoked':
      return new AuthenticationError({ message: `${subject} has been revoked`, code: 'key_revoked' });
    case 'expired':
      return new AuthenticationError({ message: `${subject} has expired`, code: 'key_expired' });
    case 'disabled':
      return new PermissionDeniedError({ message: `${subject} is disabled` });
    case 'insufficient_credits':
      return new InsufficientQuotaError({ message: `${subject} has insufficient credits for this request` });
    case 'budget_exceeded':
      return new InsufficientQuotaError({ message: `${subject} has reached its budget`, code: 'budget_exceeded' });
  }
}

export function generateReservationId(): string {
  return `rsv_${randomIdBase62(20)}`;
}

function invalid(message: string, param: string): BadRequestError {
  return new BadRequestError({ message, param });
}

function positiveLimit(value: unknown, param: string): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(`${param} must be a positive integer or null`, param);
  }
  return value;
}

/** Validates a patch (throws BadRequestError) and returns only the fields it sets. */
export function validateKeyPatch(patch: KeyPatch): KeyPatch {
  const out: KeyPatch = {};
  if (patch.name !== undefined) {
    if (typeof patch.name !== 'string' || patch.name.trim() === '' || patch.name.length > 200) {
      throw invalid('name must be a non-empty string of at most 200 characters', 'name');
    }
    out.name = patch.name;
  }
  if (patch.metadata !== undefined) {
    const metadata: unknown = patch.metadata;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw invalid('metadata must be a JSON object', 'metadata');
    }
    if (JSON.stringify(metadata).length > 65_536) throw invalid('metadata is larger than 64 KiB', 'metadata');
    out.metadata = patch.metadata;
  }
  if (patch.models !== undefined) {
    const models: unknown = patch.models;
    if (
      models !== null &&
      (!Array.isArray(models) ||
        models.length > 1000 ||
        !models.every((m) => typeof m === 'string' && m !== '' && m.length <= 300))
    ) {
      throw invalid('models must be null or a list of model names or globs', 'models');
    }
    out.models = patch.models === null ? null : [...patch.models];
  }
  if (patch.mcpTools !== undefined) {
    const globs: unknown = patch.mcpTools;
    if (
      globs !== null &&
      (!Array.isArray(globs) ||
        globs.length > 1000 ||
        !globs.every((glob) => typeof glob === 'string' && glob !== '' && glob.length <= 300))
    ) {
      throw invalid('mcpTools must be null or a list of <server>.<tool> globs', 'mcpTools');
    }
    out.mcpTools = patch.mcpTools === null ? null : [...patch.mcpTools];
  }
  for (const field of ['rpm', 'tpm', 'maxParallel'] as const) {
    if (patch[field] !== undefined) out[field] = positiveLimit(patch[field], field);
  }
  if (patch.budget !== undefined) out.budget = validateBudget(patch.budget);
  if (patch.expiresAt !== undefined) {
    if (patch.expiresAt !== null && !Number.isSafeInteger(patch.expiresAt)) {
      throw invalid('expiresAt must be epoch milliseconds or null', 'expiresAt');
    }
    out.expiresAt = patch.expiresAt;
  }
  for (const field of ['enabled', 'unlimitedCredits'] as const) {
    const value = patch[field];
    if (value !== undefined) {
      if (typeof value !== 'boolean') throw invalid(`${field} must be a boolean`, field);
      out[field] = value;
    }
  }
  return out;
}

function validateBudget(budget: KeyBudget | null): KeyBudget | null {
  if (budget === null) return null;
  const value: unknown = budget;
  if (typeof value !== 'object' || value === null) throw invalid('budget must be an object or null', 'budget');
  if (!Number.isSafeInteger(budget.amount) || budget.amount < 0) {
    throw invalid('budget.amount must be non-negative micro-dollars', 'budget.amount');
  }
  if (!BUDGET_PERIODS.includes(budget.period)) {
    throw invalid('budget.period must be day, week or month', 'budget.period');
  }
  return { amount: budget.amount, period: budget.period };
}

/** Validates a create input and fills defaults. */
export function validateCreateInput(input: CreateKeyInput): Required<Omit<CreateKeyInput, 'creditReason'>> & {
  creditReason: string;
} {
  if (input.name === undefined) throw invalid('name is required', 'name');
  const patch = validateKeyPatch(input);
  const credits = input.credits ?? 0;
  if (!Number.isSafeInteger(credits) || credits < 0) {
    throw invalid('credits must be non-negative micro-dollars', 'credits');
  }
  return {
    name: patch.name ?? input.name,
    metadata: patch.metadata ?? {},
    models: patch.models ?? null,
    mcpTools: patch.mcpTools ?? null,
    rpm: patch.rpm ?? null,
    tpm: patch.tpm ?? null,
    maxParallel: patch.maxParallel ?? null,
    budget: patch.budget ?? null,
    expiresAt: patch.expiresAt ?? null,
    enabled: patch.enabled ?? true,
    unlimitedCredits: patch.unlimitedCredits ?? false,
    credits,
    creditReason: input.creditReason ?? 'initial credits',
  };
}

/** Checks a credit amount given to add/set (and reserve/settle, which must be ≥ 0). */
export function validateAmount(amount: Micros, param: string, allowNegative: boolean): Micros {
  if (!Number.isSafeInteger(amount) || (!allowNegative && amount < 0)) {
    throw invalid(`${param} must be ${allowNegative ? '' : 'non-negative '}integer micro-dollars`, param);
  }
  return amount;
}

export function validateReason(reason: string): string {
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 500) {
    throw invalid('reason must be a non-empty string of at most 500 characters', 'reason');
  }
  return reason;
}
