/**
 * `npm run bench`: mock upstream directly vs a bare Node http+undici proxy vs LlamaGate, each server in its own
 * process. LlamaGate runs three times: the gateway core (API_KEY auth, rate limiting, request logs and
 * Prometheus metrics on, cache and billing storage off), which the targets are measured on; the same core with
 * METRICS_ENABLED=false (what metrics cost per request); and the default start-up configuration with the
 * billing storage (SQLite usage ledger, request log) on. Prints a markdown table: added latency p50/p99 at concurrency 1,
 * requests/s at concurrency 50 with each server's CPU time per request, added time to first chunk for a
 * streaming upstream, and each server's RSS. After a warm-up, every measurement alternates between the
 * targets, so a slower minute of this shared machine weighs on all of them alike.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { INLINING_FLAGS } from '../src/cli/v8-tuning.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 2000);
const THROUGHPUT_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
/** Throughput is measured in rounds that alternate between the targets; the median round is reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** Unmeasured load at the start of each round. */
const ROUND_WARMUP_SECONDS = Number(process.env.BENCH_ROUND_WARMUP_SECONDS ?? 0.5);
/** Load at concurrency 50 before anything is measured, so every target is measured in its steady state (hot
 * code optimised by the JIT, the young generation grown to its size) rather than while it warms up. */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONCURRENCY = 50;
/** The V8 flag `npm start` runs the gateway with (a larger young generation: fewer scavenges under load). */
const NODE_FLAGS = ['--max-semi-space-size=32'];
/** `llamagate serve` also raises TurboFan's inlining budgets for itself; the bare proxy is given the same, so
 * both run on the same runtime settings. */
const BARE_PROXY_FLAGS = [...NODE_FLAGS, ...INLINING_FLAGS];
const STREAMS = Number(process.env.BENCH_STREAMS ?? 200);
const API_KEY = 'bench-key';
const body = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'Say something short.' }],
  temperature: 0.2,
});
const streamBody = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'Stream something.' }],
  stream: true,
});

interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  headers: Record<string, string>;
}

async function startProcess(
  name: string,
  args: string[],
  env: Record<string, string>,
  headers: Record<string, string> = {},
  waitFor?: (line: string) => number | undefined,
): Promise<Server> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  for await (const line of lines) {
    const port = waitFor ? waitFor(line) : (JSON.parse(line) as { port: number }).port;
    if (port !== undefined) {
      // From here on the output (request log lines) is drained unread: splitting it into lines would put a
      // log consumer's cost on the load generator.
      lines.close();
      child.stdout?.resume();
      return { name, url: `http://127.0.0.1:${port}`, child, headers };
    }
  }
  throw new Error(`${name} exited before listening`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function post(pool: Pool, server: Server, payload: string): Promise<void> {
  const response = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json', ...server.headers },
    body: payload,
  });
  if (response.statusCode !== 200)
    throw new Error(`${server.name}: HTTP ${response.statusCode} ${await response.body.text()}`);
  await response.body.dump();
}

/**
 * Latency at concurrency 1, interleaved: each round sends one request to every target in turn, so all targets
 * are measured under the same machine conditions (the speed of a shared 2-core machine drifts from minute to
 * minute; measured one after the other, the ratios moved by a third between runs).
 */
async function latencies(servers: readonly Server[]): Promise<{ p50: number; p99: number }[]> {
  const pools = servers.map((server) => new Pool(server.url, { connections: 1 }));
  const samples: number[][] = servers.map(() => []);
  for (let round = 0; round < 200 + SEQUENTIAL; round++) {
    for (const [index, server] of servers.entries()) {
      const started = performance.now();
      await post(pools[index] as Pool, server, body);
      if (round >= 200) samples[index]?.push(performance.now() - started);
    }
  }
  await Promise.all(pools.map((pool) => pool.close()));
  return samples.map((list) => {
    list.sort((a, b) => a - b);
    return { p50: percentile(list, 50), p99: percentile(list, 99) };
  });
}

/** Requests completed in `seconds` by CONCURRENCY clients, each sending its next request when one returns. */
async function load(server: Server, seconds: number, pool?: Pool): Promise<{ completed: number; seconds: number }> {
  const clients = pool ?? new Pool(server.url, { connections: CONCURRENCY });
  const deadline = performance.now() + seconds * 1000;
  let completed = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await post(clients, server, body);
      completed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = (performance.now() - started) / 1000;
  if (pool === undefined) await clients.close();
  return { completed, seconds: elapsed };
}

/** CPU time (user + system) the process has used so far, in µs (from /proc, clock ticks of 10 ms). */
function cpuMicros(child: ChildProcess): number {
  const fields = (readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * Requests/s at CONCURRENCY in ROUNDS rounds, each loading every target in turn for THROUGHPUT_SECONDS /
 * ROUNDS: the median round per target, and the server's CPU time per request over all rounds.
 */
async function throughputs(servers: readonly Server[]): Promise<{ rps: number; cpuPerRequest: number }[]> {
  const rates: number[][] = servers.map(() => []);
  const cpu = servers.map(() => ({ micros: 0, requests: 0 }));
  // Each target keeps its CONCURRENCY connections across rounds, as a steady client would.
  const pools = servers.map((server) => new Pool(server.url, { connections: CONCURRENCY }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, server] of servers.entries()) {
      // Back to steady state after idling through the other targets' rounds (V8 shrinks an idle young generation).
      await load(server, ROUND_WARMUP_SECONDS, pools[index]);
      const cpuBefore = cpuMicros(server.child);
      const { completed, seconds } = await load(server, THROUGHPUT_SECONDS / ROUNDS, pools[index]);
      rates[index]?.push(completed / seconds);
      const used = cpu[index] as { micros: number; requests: number };
      used.micros += cpuMicros(server.child) - cpuBefore;
      used.requests += completed;
    }
  }
  await Promise.all(pools.map((pool) => pool.close()));
  return rates.map((list, index) => {
    const used = cpu[index] as { micros: number; requests: number };
    return { rps: median(list), cpuPerRequest: used.micros / used.requests };
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

/** Time to the first streamed chunk, interleaved across targets like {@link latencies}. */
async function firstChunks(servers: readonly Server[]): Promise<number[]> {
  const pools = servers.map((server) => new Pool(server.url, { connections: 1 }));
  const samples: number[][] = servers.map(() => []);
  for (let round = 0; round < STREAMS + 20; round++) {
    for (const [index, server] of servers.entries()) {
      const started = performance.now();
      const response = await (pools[index] as Pool).request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', ...server.headers },
        body: streamBody,
      });
      let first: number | undefined;
      for await (const _chunk of response.body) first ??= performance.now() - started;
      if (round >= 20 && first !== undefined) samples[index]?.push(first);
    }
  }
  await Promise.all(pools.map((pool) => pool.close()));
  return samples.map((list) => {
    list.sort((a, b) => a - b);
    return percentile(list, 50);
  });
}

function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

async function main(): Promise<void> {
  const mock = await startProcess('mock upstream', ['--import', 'tsx', `${here}mock-upstream-server.ts`], {});
  const bare = await startProcess('bare node proxy', [...BARE_PROXY_FLAGS, '--import', 'tsx', `${here}bare-proxy.ts`], {
    UPSTREAM_URL: mock.url,
  });
  const startGateway = (name: string, env: Record<string, string>) =>
    startProcess(
      name,
      [...NODE_FLAGS, 'dist/cli/main.js', 'serve', '--port', '0', '--host', '127.0.0.1'],
      {
        API_KEY,
        RATE_LIMIT_RPS: '1000000',
        CACHE_ENABLED: 'false',
        DEFAULT_BACKEND: 'bench',
        LLAMAGATE_CONFIG: `${here}bench-gateway.yaml`,
        BENCH_UPSTREAM: `${mock.url}/v1`,
        ...env,
      },
      { authorization: `Bearer ${API_KEY}` },
      (line) => {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        return entry.msg === 'LlamaGate listening' ? entry.port : undefined;
      },
    );
  const gateway = await startGateway('LlamaGate (auth, rate limit, logs, metrics)', { BILLING_ENABLED: 'false' });
  // The same core without the Prometheus stage: the difference in CPU per request is what metrics cost.
  const unmetered = await startGateway('LlamaGate core, metrics off', {
    BILLING_ENABLED: 'false',
    METRICS_ENABLED: 'false',
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'llamagate-bench-'));
  const billed = await startGateway('LlamaGate + billing ledger (SQLite)', { LLAMAGATE_DATA_DIR: dataDir });
  const servers = [mock, bare, gateway, unmetered, billed];
  try {
    for (const server of servers) await load(server, WARMUP_SECONDS);
    const latency = await latencies(servers);
    const rate = await throughputs(servers);
    const ttfc = await firstChunks(servers);
    const results = servers.map((server, index) => ({
      server,
      ...(latency[index] as { p50: number; p99: number }),
      ...(rate[index] as { rps: number; cpuPerRequest: number }),
      ttfc: ttfc[index] as number,
      rss: rssMb(server.child),
    }));
    const direct = results[0] as (typeof results)[number];
    const bareResult = results[1] as (typeof results)[number];
    const fmt = (value: number, digits = 3) => value.toFixed(digits);
    const lines = [
      `| target | p50 latency (ms) | added p50 (ms) | p99 latency (ms) | added p99 (ms) | req/s @ c=${CONCURRENCY} | CPU per request @ c=${CONCURRENCY} (µs) | added time to first chunk p50 (ms) | RSS after load (MB) |`,
      '|---|---|---|---|---|---|---|---|---|',
      ...results.map(
        (r) =>
          `| ${r.server.name} | ${fmt(r.p50)} | ${r === direct ? '–' : fmt(r.p50 - direct.p50)} | ${fmt(r.p99)} | ${r === direct ? '–' : fmt(r.p99 - direct.p99)} | ${fmt(r.rps, 0)} | ${fmt(r.cpuPerRequest, 0)} | ${r === direct ? '–' : fmt(r.ttfc - direct.ttfc)} | ${fmt(r.rss, 1)} |`,
      ),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n\n`);
    for (const result of results.slice(2)) {
      const addedRatio = (result.p50 - direct.p50) / (bareResult.p50 - direct.p50);
      const throughputRatio = result.rps / bareResult.rps;
      process.stdout.write(
        `${result.server.name}: added p50 ${addedRatio.toFixed(2)}× the bare proxy's (target ≤ 1.3×), throughput ${throughputRatio.toFixed(2)}× (target ≥ 0.8×)\n`,
      );
    }
    process.stdout.write(
      `(each target warmed up for ${WARMUP_SECONDS}s at concurrency ${CONCURRENCY}; then, interleaved across targets: ${SEQUENTIAL} sequential requests each, ${ROUNDS} rounds of ${THROUGHPUT_SECONDS / ROUNDS}s at concurrency ${CONCURRENCY} after ${ROUND_WARMUP_SECONDS}s unmeasured (median round), ${STREAMS} streams each; node ${process.version})\n`,
    );
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
    await Promise.all(
      servers.map((server) => (server.child.exitCode === null ? once(server.child, 'exit') : undefined)),
    );
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
