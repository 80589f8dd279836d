/** Usage rows from the ledger APIs, and sums the API does not group by (backend, time buckets). */
import { api, query, type Session } from './api.js';
import type { KeyView, Totals, UsageRecord, UsageRow } from './types.js';

export function emptyTotals(): Totals {
  return {
    requests: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cached_tokens: 0,
    reasoning_tokens: 0,
    cost: '0.00',
    errors: 0,
    cache_hits: 0,
  };
}

/** Dollar strings added in integer micro-dollars, so sums stay exact. */
export function addDollars(a: string, b: string): string {
  const micros = toMicros(a) + toMicros(b);
  return fromMicros(micros);
}

export function toMicros(dollars: string): number {
  const negative = dollars.trim().startsWith('-');
  const [whole = '0', fraction = ''] = dollars.trim().replace('-', '').split('.');
  const value = Number(whole) * 1_000_000 + Number(fraction.padEnd(6, '0').slice(0, 6));
  return negative ? -value : value;
}

export function fromMicros(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const absolute = Math.abs(Math.round(micros));
  const whole = Math.floor(absolute / 1_000_000);
  const fraction = String(absolute % 1_000_000)
    .padStart(6, '0')
    .replace(/0+$/, '')
    .padEnd(2, '0');
  return `${sign}${whole}.${fraction}`;
}

/** Ledger rows in a range, newest first, a page of 1000 at a time up to `max`. */
export async function usageRecords(
  session: Session,
  filters: { from?: string; to?: string; key_id?: string; model?: string },
  max = 5000,
): Promise<UsageRecord[]> {
  const rows: UsageRecord[] = [];
  let before: string | undefined;
  while (rows.length < max) {
    const page = await api<{ data: UsageRecord[] }>(
      session,
      'GET',
      `/admin/usage/records${query({ ...filters, limit: 1000, before })}`,
    );
    rows.push(...page.data);
    const last = page.data.at(-1);
    if (page.data.length < 1000 || last === undefined) break;
    before = `${last.time},${last.request_id}`;
  }
  return rows;
}

/** Totals per backend from ledger rows (the usage API groups by key, model and day only). */
export function byBackend(records: readonly UsageRecord[]): UsageRow[] {
  const groups = new Map<string, UsageRow>();
  for (const record of records) {
    const name = record.backend ?? '(none)';
    const row = groups.get(name) ?? { ...emptyTotals(), backend: name };
    row.requests += 1;
    row.prompt_tokens += record.prompt_tokens ?? 0;
    row.completion_tokens += record.completion_tokens ?? 0;
    row.cost = addDollars(row.cost, record.cost);
    if (record.status >= 400) row.errors += 1;
    if (record.cache_hit) row.cache_hits += 1;
    groups.set(name, row);
  }
  return [...groups.values()].sort((a, b) => b.requests - a.requests);
}

/** Rows grouped by key, with each key's name (the usage API gives ids only); master key only. */
export async function withKeyNames(session: Session, rows: UsageRow[]): Promise<UsageRow[]> {
  if (!rows.some((row) => typeof row.key_id === 'string')) return rows;
  const keys = await api<{ data: KeyView[] }>(session, 'GET', '/admin/keys?include_revoked=true&limit=1000');
  const names = new Map(keys.data.map((key) => [key.id, key.name]));
  return rows.map((row) => ({
    ...row,
    key_name: row.key_id === null ? '(master / unbilled)' : (names.get(row.key_id ?? '') ?? ''),
  }));
}
