/**
 * `npm run soak`: the built `llamagate serve` (SQLite billing, one virtual key) under a long mixed load — every
 * inbound API, streams and plain, a share of calls to faulty backends (resets, stalls, HTML, 429, 5xx, truncated
 * streams) and of clients that disconnect mid-answer — sampling memory, open descriptors and `/health/live`
 * latency as it goes. At the end it checks what must hold after any amount of load, then stops the gateway with
 * SIGTERM; any broken invariant makes the exit code 1.
 *
 * SOAK_SECONDS (60), SOAK_CONCURRENCY (32), SOAK_FAULT_PERCENT (5), SOAK_DISCONNECT_PERCENT (2),
 * SOAK_SAMPLE_SECONDS (5), SOAK_MAX_RSS_GROWTH_MB (150), SOAK_MAIN (dist/cli/main.js; a .ts entry runs through tsx).
 * SOAK_STORAGE=postgres bills on Postgres + Redis at DATABASE_URL and REDIS_URL instead (a schema and key prefix of
 * its own, dropped after), with credit leases (decision 0025) unless SOAK_CREDIT_LEASES=0; it also checks that
 * Redis counts the same spend as the ledger once the gateway has stopped.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { openStorage } from '../src/storage/index.js';
import { startFaultUpstream, type UpstreamFault } from '../src/test-support/fault-upstream.js';
import { dropBilledStorage } from './billed-gateway.js';
import { rssMb, startProcess } from './harness.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 32);
const FAULT_PERCENT = Number(process.env.SOAK_FAULT_PERCENT ?? 5);
const DISCONNECT_PERCENT = Number(process.env.SOAK_DISCONNECT_PERCENT ?? 2);
const SAMPLE_SECONDS = Number(process.env.SOAK_SAMPLE_SECONDS ?? 5);
const MAX_RSS_GROWTH_MB = Number(process.env.SOAK_MAX_RSS_GROWTH_MB ?? 150);
const MAIN = process.env.SOAK_MAIN ?? 'dist/cli/main.js';
const MASTER_KEY = 'soak-master-key';
const POSTGRES = process.env.SOAK_STORAGE === 'postgres';
const DATABASE_URL = process.env.DATABASE_URL ?? '';
const REDIS_URL = process.env.REDIS_URL ?? '';
if (POSTGRES && (DATABASE_URL === '' || REDIS_URL === ''))
  throw new Error('SOAK_STORAGE=postgres needs DATABASE_URL and REDIS_URL');
const SCHEMA = `soak_${process.pid}`;
/** Where the gateway bills, and where the checks at the end read from. */
const storageOptions = POSTGRES
  ? { databaseUrl: DATABASE_URL, schema: SCHEMA, redisUrl: REDIS_URL, redisKeyPrefix: `${SCHEMA}:` }
  : undefined;
const CREDITS = 1_000_000;

/** Faults a soak mixes in; each one's backend answers with a defined status (see test/reliability). */
const FAULTS: UpstreamFault[] = [
  'reset-before-headers',
  'reset-mid-body',
  'stall',
  'html-200',
  'invalid-json',
  'rate-limited',
  'server-error',
  'overloaded',
  'truncated-stream',
];
/** Statuses a faulty backend may legitimately cause; anything else ≥ 500 from a healthy one is a defect. */
const UPSTREAM_STATUSES = new Set([200, 429, 500, 502, 503, 504]);

const upstream = await startFaultUpstream({ dripMs: 5 });
const dir = mkdtempSync(join(tmpdir(), 'lg-soak-'));
const configFile = join(dir, 'llamagate.yaml');
const backends = [
  `  - { name: ok, type: openai-compatible, config: { endpoint: "${upstream.baseUrl('slow-drip', 'openai')}", apiKey: sk-up } }`,
  `  - { name: ol, type: ollama, config: { endpoint: "${upstream.baseUrl('slow-drip', 'ollama')}" } }`,
  ...FAULTS.map(
    (fault) =>
      `  - { name: f-${fault}, type: openai-compatible, config: { endpoint: "${upstream.baseUrl(fault, 'openai')}", apiKey: sk-up, timeout: 2s } }`,
  ),
];
writeFileSync(
  configFile,
  `defaultBackend: ok\nbackends:\n${backends.join('\n')}\nprices:\n  "*": { input: "1.00", output: "2.00" }\n`,
);
// A TypeScript entry (SOAK_MAIN=src/cli/main.ts) runs through tsx, for a soak without a build.
const loader = MAIN.endsWith('.ts') ? ['--import', 'tsx'] : [];
const gateway = await startProcess(
  'llamagate',
  ['--max-semi-space-size=32', ...loader, MAIN, 'serve', '-c', configFile],
  {
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      LLAMAGATE_DATA_DIR: dir,
      LLAMAGATE_MASTER_KEY: MASTER_KEY,
      RATE_LIMIT_RPS: '1000000',
      CACHE_ENABLED: 'false',
      DATABASE_URL: POSTGRES ? DATABASE_URL : undefined,
      REDIS_URL: POSTGRES ? REDIS_URL : undefined,
      ...(POSTGRES
        ? {
            DATABASE_SCHEMA: SCHEMA,
            REDIS_KEY_PREFIX: `${SCHEMA}:`,
            BILLING_CREDIT_LEASES: process.env.SOAK_CREDIT_LEASES === '0' ? 'false' : 'true',
            // Unused slices go back within a second of their last use, before the checks below.
            BILLING_LEASE_TTL: '3s',
          }
        : {}),
      API_KEY: undefined,
      LLAMAGATE_CONFIG: undefined,
    },
    portFrom: (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      return entry.msg === 'LlamaGate listening' ? entry.port : undefined;
    },
  },
);
const pool = new Pool(gateway.url, { connections: CONCURRENCY + 8 });
const created = await (
  await fetch(`${gateway.url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'soak', credits: CREDITS }),
  })
).json();
const { key, id } = created as { key: string; id: string };

interface Shape {
  name: string;
  path: string;
  body(model: string, stream: boolean): unknown;
}
const user = [{ role: 'user', content: 'Tell me something.' }];
const SHAPES: Shape[] = [
  { name: 'chat', path: '/v1/chat/completions', body: (model, stream) => ({ model, stream, messages: user }) },
  {
    name: 'messages',
    path: '/v1/messages',
    body: (model, stream) => ({ model, stream, max_tokens: 64, messages: user }),
  },
  {
    name: 'responses',
    path: '/v1/responses',
    body: (model, stream) => ({ model, stream, input: 'Tell me something.' }),
  },
  { name: 'ollama-chat', path: '/api/chat', body: (model, stream) => ({ model, stream, messages: user }) },
  { name: 'embeddings', path: '/v1/embeddings', body: (model) => ({ model, input: 'soak' }) },
];

const counts = new Map<string, number>();
const count = (label: string) => counts.set(label, (counts.get(label) ?? 0) + 1);
const problems: string[] = [];
let sent = 0;
let disconnects = 0;
let stopping = false;

async function one(): Promise<void> {
  const shape = SHAPES[Math.floor(Math.random() * SHAPES.length)] as Shape;
  const faulty = Math.random() * 100 < FAULT_PERCENT;
  const fault = FAULTS[Math.floor(Math.random() * FAULTS.length)] as UpstreamFault;
  const backend = faulty ? `f-${fault}` : Math.random() < 0.3 ? 'ol' : 'ok';
  const stream = shape.name !== 'embeddings' && Math.random() < 0.5;
  const disconnect = Math.random() * 100 < DISCONNECT_PERCENT;
  const controller = new AbortController();
  if (disconnect) {
    disconnects++;
    setTimeout(() => controller.abort(), 20 + Math.random() * 200);
  }
  sent++;
  try {
    const response = await pool.request({
      path: shape.path,
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(shape.body(`${backend}/fault-model`, stream)),
      signal: controller.signal,
    });
    await response.body.text();
    count(String(response.statusCode));
    const allowed = faulty ? UPSTREAM_STATUSES.has(response.statusCode) : response.statusCode === 200;
    if (!allowed) problems.push(`${shape.name} via ${backend}: HTTP ${response.statusCode}`);
  } catch (error) {
    if (disconnect) count('client disconnect');
    else problems.push(`${shape.name} via ${backend}: ${(error as Error).message}`);
  }
}

async function worker(): Promise<void> {
  while (!stopping) await one();
}

function openDescriptors(): number {
  return readdirSync(`/proc/${gateway.child.pid}/fd`).length;
}

async function liveLatencyMs(): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${gateway.url}/health/live`, { signal: AbortSignal.timeout(5000) });
  await response.arrayBuffer();
  if (response.status !== 200) problems.push(`/health/live answered ${response.status}`);
  return performance.now() - started;
}

const baseline = { fds: openDescriptors(), rss: rssMb(gateway.child) };
console.log(
  `soak: ${SECONDS} s at concurrency ${CONCURRENCY}, ${FAULT_PERCENT}% faulty backends, ${DISCONNECT_PERCENT}% disconnects`,
);
console.log('| t (s) | requests | req/s | RSS (MB) | open fds | /health/live (ms) |');
console.log('|---|---|---|---|---|---|');
const startedAt = performance.now();
const workers = Array.from({ length: CONCURRENCY }, worker);
let firstRss: number | undefined;
let lastSent = 0;
while ((performance.now() - startedAt) / 1000 < SECONDS) {
  await new Promise((resolve) => setTimeout(resolve, SAMPLE_SECONDS * 1000));
  const rss = rssMb(gateway.child);
  firstRss ??= rss;
  const live = await liveLatencyMs().catch((error: unknown) => {
    problems.push(`/health/live failed: ${(error as Error).message}`);
    return Number.NaN;
  });
  const elapsed = Math.round((performance.now() - startedAt) / 1000);
  console.log(
    `| ${elapsed} | ${sent} | ${Math.round((sent - lastSent) / SAMPLE_SECONDS)} | ${rss.toFixed(0)} | ${openDescriptors()} | ${live.toFixed(1)} |`,
  );
  lastSent = sent;
}
stopping = true;
await Promise.all(workers);
await pool.close();
// Stalled calls end at their 2 s timeout; then every connection and hold of the load must be gone.
await new Promise((resolve) => setTimeout(resolve, 3000));
const after = { fds: openDescriptors(), rss: rssMb(gateway.child) };
const credits = (await (
  await fetch(`${gateway.url}/v1/credits`, { headers: { authorization: `Bearer ${key}` } })
).json()) as { reserved: string };

gateway.child.kill('SIGTERM');
const code = await new Promise<number | null>((resolve) => gateway.child.once('exit', (exitCode) => resolve(exitCode)));
await upstream.close();

const storage = await openStorage(storageOptions ?? { dataDir: dir });
const keyRecord = await storage.keys.getById(id);
// On Postgres + Redis: the key as Redis's counts show it (undefined on SQLite, where holds live in the process).
const counted = POSTGRES && keyRecord !== undefined ? await storage.credits.current(keyRecord) : undefined;
// The credit ledger pages at most 1000 entries at a time, newest first.
let charged = 0;
for (let beforeId: number | undefined; ; ) {
  const page = await storage.keys.creditHistory(id, { limit: 1000, ...(beforeId === undefined ? {} : { beforeId }) });
  for (const entry of page) if (entry.kind === 'usage') charged -= entry.delta;
  beforeId = page.at(-1)?.id;
  if (page.length < 1000) break;
}
const rows = (await storage.usage.summarize({ keyId: id }))[0]?.requests ?? 0;
await storage.close();
if (POSTGRES) await dropBilledStorage(DATABASE_URL, SCHEMA, REDIS_URL);

const checks: [string, boolean, string][] = [
  ['no unexpected status or failure', problems.length === 0, `${problems.length} (${problems.slice(0, 3).join('; ')})`],
  ['exit code 0 on SIGTERM', code === 0, String(code)],
  // A client that gave up before its request reached the gateway leaves no row; every other request leaves one.
  [
    'one usage row per request',
    rows <= sent && rows >= sent - disconnects,
    `${rows} rows for ${sent} requests (${disconnects} disconnects)`,
  ],
  [
    'no hold left after the load',
    Number(credits.reserved) === 0 && keyRecord?.reserved === 0,
    `reserved ${keyRecord?.reserved}`,
  ],
  [
    'the balance is the credits less the ledger charges',
    keyRecord?.balance === CREDITS * 1_000_000 - charged && keyRecord?.totalSpent === charged,
    `balance ${keyRecord?.balance}, total spent ${keyRecord?.totalSpent}, ledger charges ${charged}`,
  ],
  ...(counted === undefined
    ? []
    : [
        [
          'Redis counts the same spend as the ledger',
          counted.totalSpent === charged && counted.reserved === 0,
          `Redis: spent ${counted.totalSpent}, held ${counted.reserved}; ledger charges ${charged}`,
        ] as [string, boolean, string],
      ]),
  ['descriptors back near the baseline', after.fds <= baseline.fds + 16, `${baseline.fds} → ${after.fds}`],
  [
    `RSS growth under ${MAX_RSS_GROWTH_MB} MB after the first sample`,
    after.rss - (firstRss ?? after.rss) < MAX_RSS_GROWTH_MB,
    `${baseline.rss.toFixed(0)} → ${(firstRss ?? Number.NaN).toFixed(0)} → ${after.rss.toFixed(0)} MB`,
  ],
];
console.log(`\nstatuses: ${JSON.stringify(Object.fromEntries(counts))}\n`);
for (const [name, ok, detail] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
