/**
 * A/B of the billed virtual-key path at a fixed rate (decision 0018's method, for billing): built checkouts'
 * `llamagate serve`, each billing one virtual key (SQLite, or with MODE=pg Postgres + Redis at the usual local
 * URLs), loaded at the same time, open loop, at RATE requests/s each; then SEQUENTIAL requests at c=1,
 * interleaved. Fresh processes per generation (start order rotating); prints the per-generation difference of
 * each build against the first, CPU per request and p50, with 95 % t-intervals.
 *
 *   MAINS=<baseline checkout>,<this checkout> MODE=pg GENERATIONS=6 node --import tsx bench/billed-fixed-rate.ts
 *
 * RATE (1000), WARMUP_SECONDS (4), SECONDS (8), SEQUENTIAL (1000).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { cpuMicros, latencies, pacedLoad, root, type Server, startProcess, type Target } from './harness.js';

const mode = process.env.MODE ?? 'sqlite';
const mains = (process.env.MAINS ?? root).split(',');
const RATE = Number(process.env.RATE ?? 1000);
const GENERATIONS = Number(process.env.GENERATIONS ?? 4);
const WARMUP_SECONDS = Number(process.env.WARMUP_SECONDS ?? 4);
const SECONDS = Number(process.env.SECONDS ?? 8);
const SEQUENTIAL = Number(process.env.SEQUENTIAL ?? 1000);
/** Two-sided 95 % quantiles of Student's t by degrees of freedom (1–10; about 2 beyond). */
const T_95 = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23];

const scratch = mkdtempSync(join(tmpdir(), 'billed-fixed-'));
const config = join(scratch, 'billed.yaml');
writeFileSync(config, "prices:\n  bench-model: { input: '0.10', output: '0.20' }\n");
const mock = await startProcess('mock', ['--import', 'tsx', join(root, 'bench', 'mock-upstream-server.ts')]);
const body = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'Say something short.' }],
  temperature: 0.2,
});
let started = 0;

async function billedTarget(main: string): Promise<Target> {
  const schema = `billed_fixed_${process.pid}_${started++}`;
  const env: Record<string, string | undefined> = {
    RATE_LIMIT_RPS: '1000000',
    CACHE_ENABLED: 'false',
    OLLAMA_HOST: mock.url,
    LLAMAGATE_MASTER_KEY: 'm',
    LLAMAGATE_CONFIG: config,
    LLAMAGATE_DATA_DIR: join(scratch, schema),
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    API_KEY: undefined,
  };
  if (mode === 'pg')
    Object.assign(env, {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      REDIS_URL: 'redis://127.0.0.1:6379',
      DATABASE_SCHEMA: schema,
      REDIS_KEY_PREFIX: `${schema}:`,
    });
  const args = [
    '--max-semi-space-size=32',
    join(main, 'dist/cli/main.js'),
    'serve',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
  ];
  const server: Server = await startProcess(schema, args, {
    env,
    portFrom: (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      return entry.msg === 'LlamaGate listening' ? entry.port : undefined;
    },
  });
  const created = await fetch(`${server.url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: 'Bearer m', 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', credits: 1_000_000 }),
  });
  const { key } = (await created.json()) as { key: string };
  return {
    name: main,
    server,
    path: '/v1/chat/completions',
    headers: { authorization: `Bearer ${key}` },
    body,
    streamBody: body,
  };
}

function meanWithInterval(values: readonly number[], digits: number): string {
  const n = values.length;
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / Math.max(1, n - 1);
  const half = ((T_95[n - 2] ?? 2) * Math.sqrt(variance)) / Math.sqrt(n);
  return `${mean.toFixed(digits)} ± ${half.toFixed(digits)}`;
}

const cpu: number[][] = mains.map(() => []);
const p50: number[][] = mains.map(() => []);
for (let generation = 0; generation < GENERATIONS; generation++) {
  const targets: Target[] = [];
  for (let offset = 0; offset < mains.length; offset++) {
    const which = (offset + generation) % mains.length;
    targets[which] = await billedTarget(mains[which] as string);
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
  for (const target of targets) {
    target.server.child.kill('SIGTERM');
    await new Promise((resolve) => target.server.child.once('exit', resolve));
  }
  process.stderr.write(
    `generation ${generation + 1}/${GENERATIONS}: ${mains.map((main, which) => `${main} ${cpu[which]?.at(-1)?.toFixed(1)} µs, p50 ${p50[which]?.at(-1)?.toFixed(3)} ms`).join(' | ')}\n`,
  );
}
for (const [which, main] of mains.entries()) {
  const line = {
    main,
    mode,
    cpuUs: meanWithInterval(cpu[which] as number[], 1),
    p50Ms: meanWithInterval(p50[which] as number[], 3),
  };
  if (which > 0) {
    const difference = (values: number[][], index: number) =>
      (values[index] as number[]).map((value, generation) => value - (values[0]?.[generation] ?? Number.NaN));
    Object.assign(line, {
      cpuUsVsFirst: meanWithInterval(difference(cpu, which), 1),
      p50MsVsFirst: meanWithInterval(difference(p50, which), 3),
    });
  }
  console.log(JSON.stringify(line));
}
mock.child.kill('SIGTERM');
process.exit(0);
