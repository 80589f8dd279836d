import { describe, expect, it } from 'vitest';
import { formatBody, formatDollars, quantile, toCsv } from './format.js';
import { bucketCalls, overheadFromMetrics } from './overview-data.js';
import type { UsageRecord } from './types.js';
import { addDollars, byBackend, fromMicros, toMicros } from './usage-data.js';

describe('dashboard data helpers', () => {
  it('adds dollar strings exactly, in micro-dollars', () => {
    expect(addDollars('0.1', '0.2')).toBe('0.30');
    expect(addDollars('0.0025', '1.000001')).toBe('1.002501');
    expect(toMicros('-2.50')).toBe(-2_500_000);
    expect(fromMicros(-2_500_000)).toBe('-2.50');
    expect(formatDollars('7.500000')).toBe('$7.50');
    expect(formatDollars('0.002500')).toBe('$0.0025');
  });

  it('writes CSV that a spreadsheet cannot run as a formula', () => {
    const csv = toCsv(
      ['key_name', 'cost'],
      [
        { key_name: '=HYPERLINK("http://evil")', cost: '-0.50' },
        { key_name: 'a, "quoted" name', cost: '1.00' },
      ],
    );
    expect(csv).toMatchInlineSnapshot(`
      "key_name,cost
      "'=HYPERLINK(""http://evil"")",-0.50
      "a, ""quoted"" name",1.00"
    `);
  });

  it('indents captured JSON bodies without changing a token, and leaves other bodies as stored', () => {
    expect(
      formatBody('{"model":"m","n":12345678901234567890,"s":"a,{\\"b\\":[1]}","e":{},"l":[ ],"x":[1,2.50]}'),
    ).toMatchInlineSnapshot(`
        "{
          "model": "m",
          "n": 12345678901234567890,
          "s": "a,{\\"b\\":[1]}",
          "e": {},
          "l": [],
          "x": [
            1,
            2.50
          ]
        }"
      `);
    expect(formatBody('data: {"a":1}\n\ndata: [DONE]\n\n')).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');
    expect(formatBody('{"model":"m","messa…[truncated 20 bytes]')).toBe('{"model":"m","messa…[truncated 20 bytes]');
    expect(formatBody({ usage: { input_tokens: 1 } })).toBe('{\n  "usage": {\n    "input_tokens": 1\n  }\n}');
  });

  it('takes nearest-rank quantiles', () => {
    expect(quantile([5, 1, 3, 2, 4], 0.5)).toBe(3);
    expect(
      quantile(
        Array.from({ length: 100 }, (_, index) => index + 1),
        0.99,
      ),
    ).toBe(99);
    expect(quantile([], 0.5)).toBeUndefined();
  });

  it('reads gateway-overhead quantiles from a Prometheus histogram summed over labels', () => {
    const text = [
      '# TYPE llamagate_gateway_overhead_seconds histogram',
      'llamagate_gateway_overhead_seconds_bucket{route="/v1/chat/completions",le="0.0005"} 40',
      'llamagate_gateway_overhead_seconds_bucket{route="/v1/chat/completions",le="0.001"} 90',
      'llamagate_gateway_overhead_seconds_bucket{route="/v1/chat/completions",le="0.005"} 100',
      'llamagate_gateway_overhead_seconds_bucket{route="/v1/chat/completions",le="+Inf"} 100',
      'llamagate_gateway_overhead_seconds_bucket{route="/v1/embeddings",le="0.0005"} 10',
      'llamagate_gateway_overhead_seconds_bucket{route="/v1/embeddings",le="0.001"} 10',
      'llamagate_gateway_overhead_seconds_bucket{route="/v1/embeddings",le="0.005"} 10',
      'llamagate_gateway_overhead_seconds_bucket{route="/v1/embeddings",le="+Inf"} 10',
      'llamagate_request_duration_seconds_bucket{le="0.001"} 999',
      'llamagate_mcp_overhead_seconds_bucket{le="0.001"} 999',
    ].join('\n');
    expect(overheadFromMetrics(text)).toEqual({ p50: 1, p99: 5 });
    expect(overheadFromMetrics('llamagate_requests_total 3')).toBeUndefined();
  });

  it('buckets calls by time for the charts', () => {
    const now = Date.parse('2026-12-06T06:00:00Z');
    const call = (minutesAgo: number, status: number, latencyMs: number) => ({
      time: now - minutesAgo * 60_000,
      status,
      latencyMs,
      inputTokens: 10,
      outputTokens: 5,
      costMicros: 2500,
    });
    const buckets = bucketCalls(
      [call(1, 200, 100), call(2, 500, 300), call(61, 200, 50), call(2000, 200, 1)],
      '24h',
      now,
    );
    expect(buckets.requests.length).toBe(24);
    expect(buckets.requests.slice(-2)).toEqual([1, 2]);
    expect(buckets.errorRate.slice(-2)).toEqual([0, 50]);
    expect(buckets.p99.slice(-1)).toEqual([300]);
    expect(buckets.spend.slice(-1)).toEqual([0.005]);
    expect(buckets.requests.reduce((sum, value) => sum + value, 0)).toBe(3);
  });

  it('sums ledger rows per backend', () => {
    const record = (backend: string | null, status: number, cost: string): UsageRecord => ({
      time: '2026-12-06T05:00:00Z',
      request_id: 'r',
      key_id: null,
      model: 'm',
      backend,
      prompt_tokens: 10,
      completion_tokens: null,
      cost,
      latency_ms: 5,
      ttft_ms: null,
      status,
      error_code: null,
      cache_hit: false,
    });
    const rows = byBackend([record('a', 200, '0.10'), record('a', 502, '0'), record(null, 200, '0.20')]);
    expect(rows.map((row) => [row.backend, row.requests, row.errors, row.cost, row.prompt_tokens])).toEqual([
      ['a', 2, 1, '0.10', 20],
      ['(none)', 1, 0, '0.20', 10],
    ]);
  });
});
