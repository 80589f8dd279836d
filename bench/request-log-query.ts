/**
 * Request-log query speed at scale: inserts ROWS (default 1,000,000) request-log rows into SQLite (a temp file)
 * and, with DATABASE_URL, into Postgres (a throwaway schema), then times the first page (50 rows, newest
 * first) of the admin API's typical filters: median of 7 runs after a warm-up.
 *
 *   node --import tsx bench/request-log-query.ts
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test ROWS=1000000 node --import tsx bench/request-log-query.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresDatabase } from '../src/storage/postgres/postgres-database.js';
import { PostgresRequestLog } from '../src/storage/postgres/postgres-request-log.js';
import type { RequestLog, RequestLogQuery, RequestLogRecord } from '../src/storage/request-log.js';
import { SqliteDatabase } from '../src/storage/sqlite/sqlite-database.js';
import { SqliteRequestLog } from '../src/storage/sqlite/sqlite-request-log.js';
import { dropSchema } from '../src/storage/testing/service-cleanup.js';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const BATCH = 5_000;
const NOW = Date.UTC(2026, 11, 6, 12, 0, 0);
const SPAN_MS = 30 * 86_400_000;
const KEYS = 200;
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet', 'claude-haiku', 'llama3.1:8b', 'qwen2.5', 'mistral', 'gemma'];
const BACKENDS = ['openai', 'anthropic', 'ollama-a', 'ollama-b', 'azure'];

/** A deterministic pseudo-random sequence (the same rows on every run and backend). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 4_294_967_296;
  };
}

function row(index: number, next: () => number): RequestLogRecord {
  const roll = next();
  const status = roll < 0.9 ? 200 : roll < 0.95 ? 429 : roll < 0.98 ? 502 : 500;
  const backend = BACKENDS[Math.floor(next() * BACKENDS.length)] as string;
  const model = MODELS[Math.floor(next() * MODELS.length)] as string;
  const failed = status >= 400;
  return {
    id: `req-${String(index).padStart(8, '0')}`,
    time: NOW - SPAN_MS + Math.floor((index / ROWS) * SPAN_MS),
    keyId: `key_${Math.floor(next() * KEYS)}`,
    route: '/v1/chat/completions',
    format: 'openai-chat',
    model,
    backend,
    status,
    errorType: status === 429 ? 'policy_rate_limited' : failed ? 'provider_error' : null,
    errorCode: status === 429 ? 'rate_limit_exceeded' : failed ? 'upstream_error' : null,
    latencyMs: Math.floor(next() * 5000),
    ttfcMs: null,
    stream: next() < 0.5,
    cache: null,
    usage: failed ? null : { inputTokens: 120, outputTokens: 60 },
    cost: failed ? null : 900,
    attempts: [
      { backend, model, status, latencyMs: 100, errorCode: failed ? 'upstream_error' : null, errorMessage: null },
    ],
    requestBody: null,
    responseBody: null,
  };
}

async function fill(log: RequestLog): Promise<number> {
  const next = random(42);
  const started = performance.now();
  for (let start = 0; start < ROWS; start += BATCH) {
    const batch: RequestLogRecord[] = [];
    for (let index = start; index < Math.min(ROWS, start + BATCH); index++) batch.push(row(index, next));
    await log.append(batch);
  }
  return (performance.now() - started) / 1000;
}

const QUERIES: [string, RequestLogQuery][] = [
  ['newest 50, no filter', {}],
  ['key_id', { keyId: 'key_17' }],
  ['key_id + status=5xx', { keyId: 'key_17', status: { from: 500, to: 600 } }],
  ['key_id + last hour', { keyId: 'key_17', from: NOW - 3_600_000 }],
  ['error_type=provider_error', { errorType: 'provider_error' }],
  ['model + min_latency_ms=4500', { model: 'gpt-4o', minLatencyMs: 4500 }],
  ['backend + status=429', { backend: 'azure', status: { exact: 429 } }],
  ['status=5xx, page 2 (cursor)', { status: { from: 500, to: 600 } }],
];

async function time(log: RequestLog, query: RequestLogQuery): Promise<{ ms: number; rows: number }> {
  let effective = query;
  if (query.status !== undefined && 'from' in query.status && query.keyId === undefined) {
    const first = await log.list({ ...query, limit: 50 });
    if (first.nextCursor !== null) effective = { ...query, cursor: first.nextCursor };
  }
  await log.list({ ...effective, limit: 50 });
  const samples: number[] = [];
  let rows = 0;
  for (let run = 0; run < 7; run++) {
    const started = performance.now();
    const page = await log.list({ ...effective, limit: 50 });
    samples.push(performance.now() - started);
    rows = page.records.length;
  }
  samples.sort((a, b) => a - b);
  return { ms: samples[3] as number, rows };
}

async function bench(name: string, log: RequestLog, analyze: () => Promise<unknown>): Promise<void> {
  const seconds = await fill(log);
  // Fresh statistics, as autovacuum (Postgres) or PRAGMA optimize (SQLite) keep them in a running gateway.
  await analyze();
  process.stdout.write(`\n${name}: inserted ${ROWS.toLocaleString('en')} rows in ${seconds.toFixed(1)} s\n`);
  process.stdout.write(
    'query                          | rows | median ms\n-------------------------------|------|----------\n',
  );
  for (const [label, query] of QUERIES) {
    const { ms, rows } = await time(log, query);
    process.stdout.write(`${label.padEnd(31)}| ${String(rows).padStart(4)} | ${ms.toFixed(2).padStart(8)}\n`);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'lg-bench-log-'));
try {
  const database = SqliteDatabase.open({ file: join(dir, 'bench.db') });
  const sqlite = new SqliteRequestLog(database, { appendOnWorker: false });
  await bench('SQLite', sqlite, async () => database.db.exec('ANALYZE'));
  await sqlite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const url = process.env.DATABASE_URL;
if (url) {
  const schema = `lg_bench_${Math.random().toString(36).slice(2, 10)}`;
  const database = await PostgresDatabase.open({ connectionString: url, schema, statementTimeoutMs: 120_000 });
  const log = new PostgresRequestLog(database);
  try {
    await bench('Postgres', log, () => database.pool.query(`ANALYZE ${database.tables.requestLog}`));
  } finally {
    await log.close();
    await dropSchema(url, schema);
  }
} else {
  process.stdout.write('\n(set DATABASE_URL to bench Postgres too)\n');
}
