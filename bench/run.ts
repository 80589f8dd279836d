/**
 * `npm run bench`: the paths users run, each against a bare Node proxy doing the same work with the same V8
 * flags, all in one interleaved run.
 * - Ollama path (the headline): the mock upstream speaking Ollama's API; a bare proxy that translates OpenAI ↔
 *   Ollama; LlamaGate's default configuration (`npm start`: Ollama backend, SQLite usage ledger, no key);
 *   LlamaGate core (API key, ledger off), the same with METRICS_ENABLED=false (what metrics cost); a billed virtual key on SQLite and, with DATABASE_URL and REDIS_URL
 *   set, on Postgres + Redis (credit leases, the default, decision 0025; and one script per hold); Portkey's gateway (installed on demand into bench/.tmp; BENCH_PORTKEY=0 skips it).
 * - OpenAI-compatible pass-through: the mock speaking OpenAI's API, a bare piping proxy, LlamaGate core.
 * Prints markdown tables: added latency at concurrency 1, requests/s and CPU per request at concurrency 50,
 * added time to first chunk and per-chunk time of streams, RSS.
 * BENCH_BASELINE=<another checkout, built> adds its gateway core as targets beside ours (an A/B in one run);
 * BENCH_TARGETS=<regex> keeps only the matching LlamaGate/Portkey targets (the mock and bare proxies stay).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BILLED_MASTER_KEY, dropBilledStorage, fundedKeyHeaders, writeBilledConfig } from './billed-gateway.js';
import {
  BARE_FLAGS,
  freePort,
  latencies,
  load,
  NODE_FLAGS,
  pairedDifference,
  passthroughSettings,
  root,
  rssMb,
  type Server,
  startBareOllamaProxy,
  startGateway,
  startProcess,
  stopServer,
  streams,
  type Target,
  throughputs,
} from './harness.js';

const here = join(root, 'bench');
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const THROUGHPUT_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ROUND_WARMUP_SECONDS = Number(process.env.BENCH_ROUND_WARMUP_SECONDS ?? 0.5);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 200);
const CONCURRENCY = 50;
const STREAM_CHUNKS = 20;
const PORTKEY_VERSION = '1.15.2';
const API_KEY = 'bench-key';

const messages = [{ role: 'user', content: 'Say something short.' }];
const openaiBody = JSON.stringify({ model: 'bench-model', messages, temperature: 0.2 });
const openaiStreamBody = JSON.stringify({ model: 'bench-model', messages, stream: true });
const ollamaBody = JSON.stringify({ model: 'bench-model', messages, stream: false, options: { temperature: 0.2 } });
const ollamaStreamBody = JSON.stringify({ model: 'bench-model', messages, stream: true });

const chat = (name: string, server: Server, headers: Record<string, string> = {}): Target => ({
  name,
  server,
  path: '/v1/chat/completions',
  headers,
  body: openaiBody,
  streamBody: openaiStreamBody,
});

/** Portkey's gateway from the npm registry, installed once into bench/.tmp (never a project dependency). */
function portkeyEntry(): string | undefined {
  if (process.env.BENCH_PORTKEY === '0') return undefined;
  const folder = join(here, '.tmp', 'portkey');
  const entry = join(folder, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js');
  if (!existsSync(entry)) {
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'package.json'), '{"name":"portkey-bench","private":true}\n');
    try {
      execFileSync('npm', ['install', '--no-audit', '--no-fund', `@portkey-ai/gateway@${PORTKEY_VERSION}`], {
        cwd: folder,
        stdio: 'ignore',
      });
    } catch {
      process.stderr.write('Portkey could not be installed; its column is left out\n');
      return undefined;
    }
  }
  return entry;
}

const fmt = (value: number, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : '–');

interface Measured {
  target: Target;
  p50: number;
  p99: number;
  rps: number;
  cpuPerRequest: number;
  firstChunk: number;
  complete: number;
  failure?: string;
  rss: number;
}

function table(title: string, group: readonly Measured[]): string {
  const direct = group[0] as Measured;
  const added = (value: number, base: number, row: Measured) => (row === direct ? '–' : fmt(value - base));
  return [
    `### ${title}`,
    '',
    `| target | added p50 @ c=1 (ms) | added p99 @ c=1 (ms) | req/s @ c=${CONCURRENCY} | CPU per request (µs) | added first chunk p50 (ms) | added per chunk (µs) | RSS (MB) |`,
    '|---|---|---|---|---|---|---|---|',
    ...group.map(
      (row) =>
        `| ${row.target.name} | ${added(row.p50, direct.p50, row)} | ${added(row.p99, direct.p99, row)} | ${fmt(row.rps, 0)} | ${fmt(row.cpuPerRequest, 0)} | ${added(row.firstChunk, direct.firstChunk, row)} | ${row === direct ? '–' : fmt((1000 * (row.complete - row.firstChunk - (direct.complete - direct.firstChunk))) / STREAM_CHUNKS, 0)} | ${fmt(row.rss, 1)} |`,
    ),
    '',
  ].join('\n');
}

function ratios(group: readonly Measured[], bareIndex: number, goals: Record<string, string>): string {
  const direct = group[0] as Measured;
  const bare = group[bareIndex] as Measured;
  return group
    .slice(bareIndex + 1)
    .map((row) => {
      const latency = (row.p50 - direct.p50) / (bare.p50 - direct.p50);
      const firstChunk = row.firstChunk - bare.firstChunk;
      const goal = goals[row.target.name] ?? '';
      return `- ${row.target.name}: ${fmt(row.rps / bare.rps, 2)}× the bare proxy's req/s, added p50 ${fmt(latency, 2)}× its own (${fmt(row.p50 - direct.p50)} ms), CPU ${fmt(row.cpuPerRequest / bare.cpuPerRequest, 2)}×, first chunk +${fmt(firstChunk)} ms over bare${goal === '' ? '' : ` — target: ${goal}`}`;
    })
    .join('\n');
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'llamagate-bench-'));
  const servers: Server[] = [];
  const started = async (server: Promise<Server>) => {
    const value = await server;
    servers.push(value);
    return value;
  };
  const schema = `bench_${process.pid}`;
  try {
    const mock = await started(
      startProcess('mock upstream', ['--import', 'tsx', join(here, 'mock-upstream-server.ts')], {
        env: { STREAM_CHUNKS: String(STREAM_CHUNKS) },
      }),
    );
    const bareOllama = await started(startBareOllamaProxy(mock.url));
    const barePipe = await started(
      startProcess('bare piping proxy', [...BARE_FLAGS, '--import', 'tsx', join(here, 'bare-proxy.ts')], {
        env: { UPSTREAM_URL: mock.url },
      }),
    );
    const common = { RATE_LIMIT_RPS: '1000000', CACHE_ENABLED: 'false', OLLAMA_HOST: mock.url };
    const defaults = await started(
      startGateway('LlamaGate default', { ...common, LLAMAGATE_DATA_DIR: join(scratch, 'default') }),
    );
    const core = await started(
      startGateway('LlamaGate core', { ...common, API_KEY, BILLING_ENABLED: 'false', REQUEST_LOG_ENABLED: 'false' }),
    );
    const coreNoMetrics = await started(
      startGateway('LlamaGate core, metrics off', {
        ...common,
        API_KEY,
        BILLING_ENABLED: 'false',
        REQUEST_LOG_ENABLED: 'false',
        METRICS_ENABLED: 'false',
      }),
    );
    const billedEnv = {
      ...common,
      LLAMAGATE_MASTER_KEY: BILLED_MASTER_KEY,
      LLAMAGATE_CONFIG: writeBilledConfig(scratch),
    };
    const sqlite = await started(
      startGateway('LlamaGate billed (SQLite)', { ...billedEnv, LLAMAGATE_DATA_DIR: join(scratch, 'billed') }),
    );
    const databaseUrl = process.env.DATABASE_URL;
    const redisUrl = process.env.REDIS_URL;
    /** A billed gateway on Postgres + Redis in a schema and key prefix of its own; none without both URLs. */
    const billedOnPostgres = async (name: string, schemaName: string, env: Record<string, string> = {}) =>
      databaseUrl && redisUrl
        ? await started(
            startGateway(name, {
              ...billedEnv,
              DATABASE_URL: databaseUrl,
              REDIS_URL: redisUrl,
              DATABASE_SCHEMA: schemaName,
              REDIS_KEY_PREFIX: `${schemaName}:`,
              ...env,
            }),
          )
        : undefined;
    const postgres = await billedOnPostgres('LlamaGate billed (Postgres + Redis)', schema);
    const perHold = await billedOnPostgres(
      'LlamaGate billed (Postgres + Redis, one script per hold)',
      `${schema}_holds`,
      {
        BILLING_CREDIT_LEASES: 'false',
      },
    );
    const portkeyScript = portkeyEntry();
    const portkeyPort = await freePort();
    const portkey =
      portkeyScript === undefined
        ? undefined
        : await started(
            startProcess(
              `Portkey ${PORTKEY_VERSION}`,
              [...NODE_FLAGS, portkeyScript, `--port=${portkeyPort}`, '--headless'],
              {
                portFrom: (line) => (line.includes('Ready for connections') ? portkeyPort : undefined),
              },
            ),
          );
    const passthroughEnv = {
      ...common,
      API_KEY,
      BILLING_ENABLED: 'false',
      REQUEST_LOG_ENABLED: 'false',
      ...passthroughSettings(mock.url),
    };
    const passthrough = await started(startGateway('LlamaGate core, pass-through', passthroughEnv));
    const baselineRoot = process.env.BENCH_BASELINE;
    const baselineMain = baselineRoot === undefined ? undefined : join(baselineRoot, 'dist', 'cli', 'main.js');
    const baselineCore =
      baselineMain === undefined
        ? undefined
        : await started(
            startGateway(
              'baseline core',
              { ...common, API_KEY, BILLING_ENABLED: 'false', REQUEST_LOG_ENABLED: 'false' },
              baselineMain,
            ),
          );
    const baselinePassthrough =
      baselineMain === undefined
        ? undefined
        : await started(startGateway('baseline core, pass-through', passthroughEnv, baselineMain));

    const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
    const ollamaGroup: Target[] = [
      {
        name: 'mock upstream, Ollama API (direct)',
        server: mock,
        path: '/api/chat',
        headers: {},
        body: ollamaBody,
        streamBody: ollamaStreamBody,
      },
      chat('bare proxy translating OpenAI ↔ Ollama', bareOllama),
      chat('LlamaGate default (`npm start`: SQLite ledger, no key)', defaults),
      chat('LlamaGate core (API key, ledger off)', core, bearer(API_KEY)),
      chat('LlamaGate core, metrics off', coreNoMetrics, bearer(API_KEY)),
      chat('LlamaGate billed virtual key (SQLite)', sqlite, await fundedKeyHeaders(sqlite)),
    ];
    if (postgres !== undefined)
      ollamaGroup.push(
        chat('LlamaGate billed virtual key (Postgres + Redis)', postgres, await fundedKeyHeaders(postgres)),
      );
    if (perHold !== undefined)
      ollamaGroup.push(
        chat(
          'LlamaGate billed virtual key (Postgres + Redis, one script per hold)',
          perHold,
          await fundedKeyHeaders(perHold),
        ),
      );
    if (portkey !== undefined)
      ollamaGroup.push(
        chat(`Portkey ${PORTKEY_VERSION} (provider ollama)`, portkey, {
          'x-portkey-provider': 'ollama',
          'x-portkey-custom-host': mock.url,
        }),
      );
    if (baselineCore !== undefined)
      ollamaGroup.push(
        chat(`baseline core (${process.env.BENCH_BASELINE_NAME ?? 'BENCH_BASELINE'})`, baselineCore, bearer(API_KEY)),
      );
    const openaiGroup: Target[] = [
      { ...chat('mock upstream, OpenAI API (direct)', mock) },
      chat('bare piping proxy', barePipe),
      chat('LlamaGate core, OpenAI-compatible pass-through', passthrough, bearer(API_KEY)),
    ];
    if (baselinePassthrough !== undefined)
      openaiGroup.push(
        chat(
          `baseline core, pass-through (${process.env.BENCH_BASELINE_NAME ?? 'BENCH_BASELINE'})`,
          baselinePassthrough,
          bearer(API_KEY),
        ),
      );
    const only = process.env.BENCH_TARGETS === undefined ? undefined : new RegExp(process.env.BENCH_TARGETS);
    const keep = (group: Target[]) =>
      group.filter((target, index) => index < 2 || only === undefined || only.test(target.name));
    ollamaGroup.splice(0, ollamaGroup.length, ...keep(ollamaGroup));
    openaiGroup.splice(0, openaiGroup.length, ...keep(openaiGroup));
    const targets = [...ollamaGroup, ...openaiGroup];

    for (const target of targets) await load(target, WARMUP_SECONDS, CONCURRENCY);
    const latency = await latencies(targets, SEQUENTIAL);
    const rate = await throughputs(targets, {
      rounds: ROUNDS,
      roundSeconds: THROUGHPUT_SECONDS / ROUNDS,
      roundWarmupSeconds: ROUND_WARMUP_SECONDS,
      concurrency: CONCURRENCY,
    });
    const stream = await streams(targets, STREAMS);
    const measured: Measured[] = targets.map((target, index) => ({
      target,
      ...(latency[index] as { p50: number; p99: number }),
      ...(rate[index] as { rps: number; cpuPerRequest: number }),
      ...(stream[index] as { firstChunk: number; complete: number; failure?: string }),
      rss: rssMb(target.server.child),
    }));
    const ollama = measured.slice(0, ollamaGroup.length);
    const openai = measured.slice(ollamaGroup.length);
    process.stdout.write(`\n${table('Ollama backend (translation both ways)', ollama)}\n`);
    process.stdout.write(
      `${ratios(ollama, 1, {
        'LlamaGate default (`npm start`: SQLite ledger, no key)':
          '≥ 0.8× req/s, ≤ 1.3× added p50, first chunk within 0.2 ms',
        'LlamaGate billed virtual key (SQLite)': '≥ 0.6× req/s',
        'LlamaGate billed virtual key (Postgres + Redis)': '≥ 0.4× req/s, added p50 < 1 ms',
        'LlamaGate billed virtual key (Postgres + Redis, one script per hold)': '≥ 0.4× req/s, added p50 < 1 ms',
      })}\n\n`,
    );
    const metricsOn = ollama.findIndex((row) => row.target.name === 'LlamaGate core (API key, ledger off)');
    const metricsOff = ollama.findIndex((row) => row.target.name === 'LlamaGate core, metrics off');
    if (metricsOn >= 0 && metricsOff >= 0) {
      const cost = pairedDifference(
        (rate[metricsOn] as { cpuPerRound: number[] }).cpuPerRound,
        (rate[metricsOff] as { cpuPerRound: number[] }).cpuPerRound,
      );
      process.stdout.write(
        `Metrics on − off (CPU per request, median of ${ROUNDS} back-to-back round pairs): ${cost.median.toFixed(1)} µs (interquartile ${cost.q25.toFixed(1)} to ${cost.q75.toFixed(1)}; target < 2 µs; the closed loop cannot resolve a few µs, \`npm run bench:instructions\` counts it)\n\n`,
      );
    }
    for (const row of measured.filter((entry) => entry.failure !== undefined))
      process.stdout.write(`(${row.target.name}: streams fail — ${row.failure})\n`);
    process.stdout.write(`\n${table('OpenAI-compatible pass-through', openai)}\n`);
    process.stdout.write(`${ratios(openai, 1, {})}\n\n`);
    process.stdout.write(
      `(warm-up ${WARMUP_SECONDS}s at concurrency ${CONCURRENCY} per target; then, interleaved across targets: ${SEQUENTIAL} sequential requests each, ${ROUNDS} rounds of ${THROUGHPUT_SECONDS / ROUNDS}s at concurrency ${CONCURRENCY} after ${ROUND_WARMUP_SECONDS}s unmeasured (median round), ${STREAMS} streams of ${STREAM_CHUNKS} chunks each; gateway logs to a drained pipe; node ${process.version})\n`,
    );
  } finally {
    await Promise.all(servers.map(stopServer));
    rmSync(scratch, { recursive: true, force: true });
    if (process.env.DATABASE_URL && process.env.REDIS_URL)
      for (const name of [schema, `${schema}_holds`])
        await dropBilledStorage(process.env.DATABASE_URL, name, process.env.REDIS_URL);
  }
}

await main();
