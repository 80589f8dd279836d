/**
 * The JSON shapes of the billing API (snake_case, money as exact dollar strings, times as ISO 8601) and the
 * validation of what admins send. The HTTP admin API and the CLI print the same shapes.
 */
import { z } from 'zod';
import { formatDollars, type Micros, parseDollars } from '../../pricing/money.js';
import { BadRequestError } from '../../spec/errors.js';
import type { CreditLedgerEntry } from '../../storage/credit-ledger.js';
import type { ApiKeyRecord, CreateKeyInput, KeyPatch } from '../../storage/key-store.js';
import {
  type ToolCallSummaryRow,
  type ToolCallTotals,
  type ToolCallUsageRecord,
  totalOf,
} from '../../storage/tool-call-ledger.js';
import type { KeyUsageReport, UsageRecord, UsageSummaryRow, UsageTotals } from '../../storage/usage-ledger.js';

export function dollars(micros: Micros): string {
  return formatDollars(micros, { minDecimals: 2 });
}

function iso(time: number | null): string | null {
  return time === null ? null : new Date(time).toISOString();
}

export interface KeyView {
  object: 'api_key';
  id: string;
  name: string;
  /** `sk-lg-abcd…`: enough to recognise a key, never enough to use it. */
  prefix: string;
  owner: string | null;
  metadata: Record<string, unknown>;
  models: string[] | null;
  /** MCP tools the key may use (`<server>.<tool>` globs); null: every tool the gateway allows. */
  mcp_tools: string[] | null;
  rpm: number | null;
  tpm: number | null;
  max_parallel: number | null;
  budget: { amount: string; period: string; spent: string; remaining: string } | null;
  expires_at: string | null;
  enabled: boolean;
  revoked: boolean;
  revoked_at: string | null;
  unlimited_credits: boolean;
  balance: string;
  reserved: string;
  total_spent: string;
  created_at: string;
  updated_at: string;
}

export function keyView(key: ApiKeyRecord): KeyView {
  const owner = key.metadata.owner;
  return {
    object: 'api_key',
    id: key.id,
    name: key.name,
    prefix: key.displayPrefix,
    owner: typeof owner === 'string' ? owner : null,
    metadata: key.metadata,
    models: key.models,
    mcp_tools: key.mcpTools,
    rpm: key.rpm,
    tpm: key.tpm,
    max_parallel: key.maxParallel,
    budget:
      key.budget === null
        ? null
        : {
            amount: dollars(key.budget.amount),
            period: key.budget.period,
            spent: dollars(key.budgetSpent),
            remaining: dollars(Math.max(0, key.budget.amount - key.budgetSpent)),
          },
    expires_at: iso(key.expiresAt),
    enabled: key.enabled,
    revoked: key.revokedAt !== null,
    revoked_at: iso(key.revokedAt),
    unlimited_credits: key.unlimitedCredits,
    balance: dollars(key.balance),
    reserved: dollars(key.reserved),
    total_spent: dollars(key.totalSpent),
    created_at: new Date(key.createdAt).toISOString(),
    updated_at: new Date(key.updatedAt).toISOString(),
  };
}

export interface CreditEntryView {
  object: 'credit_entry';
  id: number;
  key_id: string;
  kind: string;
  amount: string;
  balance_after: string;
  reason: string;
  request_id: string | null;
  created_at: string;
}

export function creditEntryView(entry: CreditLedgerEntry): CreditEntryView {
  return {
    object: 'credit_entry',
    id: entry.id,
    key_id: entry.keyId,
    kind: entry.kind,
    amount: dollars(entry.delta),
    balance_after: dollars(entry.balanceAfter),
    reason: entry.reason,
    request_id: entry.requestId,
    created_at: new Date(entry.createdAt).toISOString(),
  };
}

export interface TotalsView {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  cost: string;
  errors: number;
  cache_hits: number;
}

export function totalsView(totals: UsageTotals): TotalsView {
  return {
    requests: totals.requests,
    prompt_tokens: totals.promptTokens,
    completion_tokens: totals.completionTokens,
    cached_tokens: totals.cachedTokens,
    reasoning_tokens: totals.reasoningTokens,
    cost: dollars(totals.cost),
    errors: totals.errors,
    cache_hits: totals.cacheHits,
  };
}

export type UsageSummaryView = TotalsView & { key_id?: string | null; model?: string; day?: string };

export function summaryRowView(row: UsageSummaryRow): UsageSummaryView {
  return {
    ...(row.keyId === undefined ? {} : { key_id: row.keyId }),
    ...(row.model === undefined ? {} : { model: row.model }),
    ...(row.day === undefined ? {} : { day: row.day }),
    ...totalsView(row),
  };
}

export function toolTotalsView(totals: ToolCallTotals) {
  return {
    calls: totals.calls,
    errors: totals.errors,
    cost: dollars(totals.cost),
    duration_ms: totals.durationMs,
    bytes: totals.bytes,
  };
}

/** The MCP tool calls of a usage report: totals and one row per server and tool. */
export function toolCallsView(rows: readonly ToolCallSummaryRow[]) {
  return {
    total: toolTotalsView(totalOf(rows)),
    by_tool: rows.map((row) => ({ server: row.server, tool: row.tool, ...toolTotalsView(row) })),
  };
}

export function toolCallRecordView(record: ToolCallUsageRecord) {
  return {
    object: 'tool_call',
    id: record.id,
    time: new Date(record.time).toISOString(),
    request_id: record.requestId,
    key_id: record.keyId,
    server: record.server,
    tool: record.tool,
    source: record.source,
    duration_ms: record.durationMs,
    outcome: record.outcome,
    bytes: record.bytes,
    cost: dollars(record.cost),
  };
}

export function usageReportView(
  report: KeyUsageReport,
  keyId: string | null,
  range: TimeRange,
  toolCalls: readonly ToolCallSummaryRow[] = [],
) {
  return {
    object: 'usage',
    key_id: keyId,
    from: range.from === undefined ? null : new Date(range.from).toISOString(),
    to: range.to === undefined ? null : new Date(range.to).toISOString(),
    total: totalsView(report.total),
    by_model: report.byModel.map((row) => ({ model: row.model, ...totalsView(row) })),
    by_day: report.byDay.map((row) => ({ day: row.day, ...totalsView(row) })),
    tool_calls: toolCallsView(toolCalls),
  };
}

export type UsageRecordView = ReturnType<typeof usageRecordView>;

export function usageRecordView(record: UsageRecord) {
  return {
    object: 'usage_record',
    time: new Date(record.time).toISOString(),
    request_id: record.requestId,
    client_request_id: record.clientRequestId ?? null,
    key_id: record.keyId,
    model: record.model,
    backend: record.backend,
    prompt_tokens: record.promptTokens ?? null,
    completion_tokens: record.completionTokens ?? null,
    cached_tokens: record.cachedTokens ?? null,
    reasoning_tokens: record.reasoningTokens ?? null,
    cost: dollars(record.cost),
    reported_cost: record.reportedCost === undefined ? null : dollars(record.reportedCost),
    latency_ms: record.latencyMs ?? null,
    ttft_ms: record.ttftMs ?? null,
    status: record.status,
    error_code: record.errorCode ?? null,
    cache_hit: record.cacheHit,
    estimated: record.estimated,
  };
}

export interface TimeRange {
  from?: number;
  to?: number;
}

/** `2025-06-01`, an ISO date-time, or epoch milliseconds. */
export function parseTime(value: string, param: string): number {
  const text = value.trim();
  const time = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isSafeInteger(time)) {
    throw new BadRequestError({ message: `${param} must be a date (2025-06-01), an ISO time or epoch ms`, param });
  }
  return time;
}

const money = z.union([z.number(), z.string()]).transform((value, context) => {
  try {
    return parseDollars(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
});
const limit = z.number().int().positive().nullable();
const time = z.union([z.number().int(), z.string()]).transform((value, context) => {
  const parsed = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isSafeInteger(parsed)) {
    context.addIssue({ code: 'custom', message: 'must be an ISO date-time or epoch milliseconds' });
    return z.NEVER;
  }
  return parsed;
});

const keySettings = {
  name: z.string().min(1).max(200),
  owner: z.string().max(200),
  metadata: z.record(z.string(), z.unknown()),
  models: z.array(z.string().min(1)).nullable(),
  mcp_tools: z.array(z.string().min(1).max(300)).max(1000).nullable(),
  rpm: limit,
  tpm: limit,
  max_parallel: limit,
  budget: z.strictObject({ amount: money, period: z.enum(['day', 'week', 'month']) }).nullable(),
  expires_at: time.nullable(),
  enabled: z.boolean(),
  unlimited_credits: z.boolean(),
};

const updateSchema = z.strictObject(keySettings).partial();

const createSchema = updateSchema.extend({
  name: keySettings.name,
  credits: money.optional(),
  reason: z.string().min(1).max(500).optional(),
});

const creditSchema = z.strictObject({ amount: money, reason: z.string().min(1).max(500) });

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const param = issue?.path.join('.') || 'body';
  throw new BadRequestError({ message: `Invalid ${param}: ${issue?.message ?? 'bad value'}`, param });
}

type Settings = z.infer<typeof updateSchema>;

function toPatch(settings: Settings, currentMetadata?: Record<string, unknown>): KeyPatch {
  const patch: KeyPatch = {};
  if (settings.name !== undefined) patch.name = settings.name;
  if (settings.metadata !== undefined || settings.owner !== undefined) {
    patch.metadata = {
      ...(settings.metadata ?? currentMetadata ?? {}),
      ...(settings.owner === undefined ? {} : { owner: settings.owner }),
    };
  }
  if (settings.models !== undefined) patch.models = settings.models;
  if (settings.mcp_tools !== undefined) patch.mcpTools = settings.mcp_tools;
  if (settings.rpm !== undefined) patch.rpm = settings.rpm;
  if (settings.tpm !== undefined) patch.tpm = settings.tpm;
  if (settings.max_parallel !== undefined) patch.maxParallel = settings.max_parallel;
  if (settings.budget !== undefined) patch.budget = settings.budget;
  if (settings.expires_at !== undefined) patch.expiresAt = settings.expires_at;
  if (settings.enabled !== undefined) patch.enabled = settings.enabled;
  if (settings.unlimited_credits !== undefined) patch.unlimitedCredits = settings.unlimited_credits;
  return patch;
}

/** `POST /admin/keys` body → key input (credits in dollars). */
export function parseCreateKey(body: unknown): CreateKeyInput {
  const parsed = parse(createSchema, body);
  const { credits, reason, ...settings } = parsed;
  const input: CreateKeyInput = { ...toPatch(settings), name: parsed.name };
  if (credits !== undefined) input.credits = credits;
  if (reason !== undefined) input.creditReason = reason;
  return input;
}

/** `PATCH /admin/keys/:id` body → patch; `owner` merges into the key's metadata. */
export function parseUpdateKey(body: unknown, currentMetadata: Record<string, unknown>): KeyPatch {
  return toPatch(parse(updateSchema, body), currentMetadata);
}

/** `{ amount, reason }` of a credit change (amount in dollars, negative to deduct when adding). */
export function parseCreditChange(body: unknown): { amount: Micros; reason: string } {
  return parse(creditSchema, body);
}
