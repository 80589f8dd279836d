/**
 * A/B of the billed virtual-key path at a fixed rate (decision 0018's method, for billing): built checkouts'
 * `llamagate serve`, each billing one virtual key (SQLite, or with MODE=pg Postgres + Redis at the usual local
 * URLs), loaded at the same time, open loop, at RATE requests/s each; then SEQUENTIAL requests at c=1,
 * interleaved. Fresh processes per generation (start order rotating); prints the per-generation difference of
 * each build against the first, CPU per request and p50, with 95 % t-intervals.
 * MODE=core compares the gateway core instead (`API_KEY`, no billing, ledger, request log or metrics, so builds
 * from before those existed compare like for like), on the Ollama path or with CORE_PATH=passthrough on the
 * OpenAI-compatible pass-through.
 *
 *   MAINS=<baseline checkout>,<this checkout> MODE=pg GENERATIONS=6 node --import tsx bench/billed-fixed-rate.ts
 *   MAINS=<before>,<after> MODE=core CORE_PATH=passthrough GENERATIONS=10 node --import tsx bench/billed-fixed-rate.ts
 *
 * RATE (1000), WARMUP_SECONDS (4), SECONDS (8), SEQUENTIAL (1000); LEASES=1 runs every billed gateway with
 * BILLING_CREDIT_LEASES=true (MODE=pg, decision 0025), otherwise with false (one Redis script per hold).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import {
  type BilledMode,
  fundedKeyHeaders,
  startBilledGateway,
  stopBilledGateway,
  writeBilledConfig,
} from './billed-gateway.js';
import {
  cpuMicros,
  latencies,
  meanWithInterval,
  pacedLoad,
  passthroughSettings,
  root,
  startGateway,
  startProcess,
  type Target,
} from './harness.js';

const mode: BilledMode | 'core' =
  process.env.MODE === 'pg' || process.env.MODE === 'core' ? process.env.MODE : 'sqlite';
const CORE_API_KEY = 'sk-bench-fixed-rate-core-0123456789';
const mains = (process.env.MAINS ?? root).split(',');
const RATE = Number(process.env.RATE ?? 1000);
const GENERATIONS = Number(process.env.GENERATIONS ?? 4);
const WARMUP_SECONDS = Number(process.env.WARMUP_SECONDS ?? 4);
const SECONDS = Number(process.env.SECONDS ?? 8);
const SEQUENTIAL = Number(process.env.SEQUENTIAL ?? 1000);

const scratch = mkdtempSync(join(tmpdir(), 'billed-fixed-'));
const config = writeBilledConfig(scratch);
const mock = await startProcess('mock', ['--import', 'tsx', join(root, 'bench', 'mock-upstream-server.ts')]);
const body = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'Say something short.' }],
  temperature: 0.2,
});
let started = 0;

/** The unbilled core: what every build since the first has, with everything optional off. */
async function coreTarget(main: string): Promise<Target> {
  const server = await startGateway(
    main,
    {
      API_KEY: CORE_API_KEY,
      BILLING_ENABLED: 'false',
      REQUEST_LOG_ENABLED: 'false',
      METRICS_ENABLED: 'false',
      CACHE_ENABLED: 'false',
      RATE_LIMIT_RPS: '1000000',
      OLLAMA_HOST: mock.url,
      ...(process.env.CORE_PATH === 'passthrough' ? passthroughSettings(mock.url) : {}),
    },
    join(main, 'dist/cli/main.js'),
  );
  const headers = { authorization: `Bearer ${CORE_API_KEY}` };
  return { name: main, server, path: '/v1/chat/completions', headers, body, streamBody: body };
}

async function billedTarget(main: string, storage: BilledMode): Promise<Target> {
  const name = `billed_fixed_${process.pid}_${started++}`;
  const server = await startBilledGateway({
    name,
    main: join(main, 'dist/cli/main.js'),
    mode: storage,
    upstreamUrl: mock.url,
    config,
    dataDirectory: join(scratch, name),
    creditLeases: process.env.LEASES === '1',
  });
  const headers = await fundedKeyHeaders(server);
  return { name: main, server, path: '/v1/chat/completions', headers, body, streamBody: body };
}

/** `mean ± half-width` of the 95 % interval. */
function withInterval(values: readonly number[], digits: number): string {
  const { mean, half } = meanWithInterval(values);
  return `${mean.toFixed(digits)} ± ${half.toFixed(digits)}`;
}

const cpu: number[][] = mains.map(() => []);
const p50: number[][] = mains.map(() => []);
for (let generation = 0; generation < GENERATIONS; generation++) {
  const targets: Target[] = [];
  for (let offset = 0; offset < mains.length; offset++) {
    const which = (offset + generation) % mains.length;
    const main = mains[which] as string;
    targets[which] = await (mode === 'core' ? coreTarget(main) : billedTarget(main, mode));
  }
  const pools = targets.map((target) => new Pool(target.server.url, { connections: 64 }));
  const loadAll = (seconds: number) =>
    Promise.all(targets.map((target, which) => pacedLoad(target, RATE, seconds, pools[which] as Pool)));
  await loadAll(WARMUP_SECONDS);
  const before = targets.map((target) => cpuMicros(target.server.child));
  const done = await loadAll(SECONDS);
  for (const [which, target] of targets.entries())
    cpu[which]?.push((cpuMicros(target.server.child) - (before[which] ?? 0)) / (done[which]?.completed ?? 1));
  await Promise.all(pools.map((pool) => pool.close()));
  const latency = await latencies(targets, SEQUENTIAL, 200);
  for (const [which, measured] of latency.entries()) p50[which]?.push(measured.p50);
  for (const target of targets) await stopBilledGateway(target.server);
  process.stderr.write(
    `generation ${generation + 1}/${GENERATIONS}: ${mains.map((main, which) => `${main} ${cpu[which]?.at(-1)?.toFixed(1)} µs, p50 ${p50[which]?.at(-1)?.toFixed(3)} ms`).join(' | ')}\n`,
  );
}
for (const [which, main] of mains.entries()) {
  const line = {
    main,
    mode,
    cpuUs: withInterval(cpu[which] as number[], 1),
    p50Ms: withInterval(p50[which] as number[], 3),
  };
  if (which > 0) {
    const difference = (values: number[][], index: number) =>
      (values[index] as number[]).map((value, generation) => value - (values[0]?.[generation] ?? Number.NaN));
    Object.assign(line, {
      cpuUsVsFirst: withInterval(difference(cpu, which), 1),
      p50MsVsFirst: withInterval(difference(p50, which), 3),
    });
  }
  console.log(JSON.stringify(line));
}
mock.child.kill('SIGTERM');
process.exit(0);
