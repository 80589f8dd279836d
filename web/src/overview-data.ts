/** What the overview charts: the calls of a time range from the request log or usage ledger, in time buckets. */
import { ApiError, api, fetchRaw, query, type Session } from './api.js';
import { quantile } from './format.js';
import type { Credits, RequestSummary, Totals, UsageReport, UsageRow } from './types.js';
import { emptyTotals, toMicros, usageRecords, withKeyNames } from './usage-data.js';

export interface Call {
  time: number;
  status: number;
  latencyMs: number | null;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

export const RANGES = {
  '1h': { label: 'Last hour', ms: 3_600_000, bucketMs: 300_000 },
  '24h': { label: 'Last 24 hours', ms: 86_400_000, bucketMs: 3_600_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 86_400_000, bucketMs: 6 * 3_600_000 },
  '30d': { label: 'Last 30 days', ms: 30 * 86_400_000, bucketMs: 86_400_000 },
} as const;

export type RangeName = keyof typeof RANGES;

export interface Overview {
  totals: Totals;
  calls: Call[];
  /** Calls come from daily totals only (no request log for a virtual key): no latency series. */
  dailyOnly: UsageReport['by_day'] | undefined;
  topModels: UsageRow[];
  topKeys: UsageRow[] | undefined;
  credits: Credits | undefined;
  overhead: { p50: number; p99: number } | undefined;
}

export interface Buckets {
  labels: string[];
  requests: number[];
  errorRate: (number | null)[];
  p50: (number | null)[];
  p99: (number | null)[];
  inputTokens: number[];
  outputTokens: number[];
  spend: number[];
}

function label(time: number, bucketMs: number): string {
  const date = new Date(time);
  if (bucketMs >= 86_400_000) return date.toISOString().slice(5, 10);
  if (bucketMs >= 3_600_000) return `${date.toISOString().slice(5, 10)} ${date.toISOString().slice(11, 13)}h`;
  return date.toISOString().slice(11, 16);
}

export function bucketCalls(calls: readonly Call[], range: RangeName, now: number): Buckets {
  const { ms, bucketMs } = RANGES[range];
  const start = Math.floor((now - ms) / bucketMs) * bucketMs;
  const count = Math.ceil((now - start) / bucketMs);
  const groups: Call[][] = Array.from({ length: count }, () => []);
  for (const call of calls) {
    const index = Math.floor((call.time - start) / bucketMs);
    if (index >= 0 && index < count) groups[index]?.push(call);
  }
  const latencies = (group: Call[]) =>
    group.map((call) => call.latencyMs).filter((value): value is number => value !== null);
  return {
    labels: groups.map((_, index) => label(start + index * bucketMs, bucketMs)),
    requests: groups.map((group) => group.length),
    errorRate: groups.map((group) =>
      group.length === 0 ? null : (group.filter((call) => call.status >= 400).length / group.length) * 100,
    ),
    p50: groups.map((group) => quantile(latencies(group), 0.5) ?? null),
    p99: groups.map((group) => quantile(latencies(group), 0.99) ?? null),
    inputTokens: groups.map((group) => group.reduce((sum, call) => sum + call.inputTokens, 0)),
    outputTokens: groups.map((group) => group.reduce((sum, call) => sum + call.outputTokens, 0)),
    spend: groups.map((group) => group.reduce((sum, call) => sum + call.costMicros, 0) / 1_000_000),
  };
}

function top(rows: UsageRow[]): UsageRow[] {
  return [...rows].sort((a, b) => toMicros(b.cost) - toMicros(a.cost) || b.requests - a.requests).slice(0, 5);
}

/**
 * Quantiles of the Prometheus histogram of the gateway's own time (`llamagate_gateway_overhead_seconds`, as
 * src/server/metrics/gateway-metrics.ts names it), since the process started: upper bucket bounds in ms, summed
 * over every label set.
 */
export function overheadFromMetrics(text: string): { p50: number; p99: number } | undefined {
  const buckets = new Map<number, number>();
  for (const line of text.split('\n')) {
    const match = /^llamagate_gateway_overhead_seconds_bucket\{([^}]*)\}\s+([\d.eE+-]+)/.exec(line);
    if (match === null) continue;
    const le = /le="([^"]+)"/.exec(match[1] ?? '')?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return undefined;
  const at = (q: number) => (sorted.find(([, cumulative]) => cumulative >= q * total)?.[0] ?? Number.NaN) * 1000;
  return { p50: at(0.5), p99: at(0.99) };
}

async function requestLog(session: Session, from: string, max: number): Promise<RequestSummary[]> {
  const rows: RequestSummary[] = [];
  let cursor: string | null = null;
  do {
    const page: { data: RequestSummary[]; next_cursor: string | null } = await api(
      session,
      'GET',
      `/v1/requests${query({ from, limit: 200, cursor })}`,
    );
    rows.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor !== null && rows.length < max);
  return rows;
}

async function optional<T>(load: Promise<T>): Promise<T | undefined> {
  try {
    return await load;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 403 || error.status === 401)) {
      return undefined;
    }
    throw error;
  }
}

export async function loadOverview(session: Session, range: RangeName, now: number): Promise<Overview> {
  const from = new Date(now - RANGES[range].ms).toISOString();
  if (session.role === 'master') {
    const usage = (groupBy: string) =>
      api<{ data: UsageRow[] }>(session, 'GET', `/admin/usage${query({ from, group_by: groupBy })}`).then(
        (body) => body.data,
      );
    const [totals, models, keys, records, metrics] = await Promise.all([
      usage(''),
      usage('model'),
      usage('key'),
      usageRecords(session, { from }),
      optional(fetchRaw(session, 'GET', '/metrics').then((response) => response.text())),
    ]);
    return {
      totals: totals[0] ?? emptyTotals(),
      calls: records.map((record) => ({
        time: Date.parse(record.time),
        status: record.status,
        latencyMs: record.latency_ms,
        inputTokens: record.prompt_tokens ?? 0,
        outputTokens: record.completion_tokens ?? 0,
        costMicros: toMicros(record.cost),
      })),
      dailyOnly: undefined,
      topModels: top(models),
      topKeys: await withKeyNames(session, top(keys)),
      credits: undefined,
      overhead: metrics === undefined ? undefined : overheadFromMetrics(metrics),
    };
  }
  const [report, credits, log] = await Promise.all([
    api<UsageReport>(session, 'GET', `/v1/usage${query({ from })}`),
    api<Credits>(session, 'GET', '/v1/credits'),
    optional(requestLog(session, from, 2000)),
  ]);
  return {
    totals: report.total,
    calls: (log ?? []).map((row) => ({
      time: Date.parse(row.time),
      status: row.status,
      latencyMs: row.latency_ms,
      inputTokens: row.input_tokens ?? 0,
      outputTokens: row.output_tokens ?? 0,
      costMicros: row.cost_usd === null ? 0 : toMicros(row.cost_usd),
    })),
    dailyOnly: log === undefined ? report.by_day : undefined,
    topModels: top(report.by_model),
    topKeys: undefined,
    credits,
    overhead: undefined,
  };
}
