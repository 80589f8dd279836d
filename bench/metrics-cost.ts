/**
 * `npm run bench:metrics`: what metrics cost end to end, in CPU per request. Three gateway cores on the Ollama
 * path (`API_KEY`, ledger and request log off): two identical ones with metrics on (an A/A control that shows
 * how far two processes running the same code drift apart) and one with `METRICS_ENABLED=false`. Each round
 * loads every target in turn (the order rotates) at concurrency `METRICS_COST_CONCURRENCY` (50); the report is
 * the median of the per-round differences with a 95 % confidence interval of that median (from order
 * statistics), for metrics on − off and for the control. `METRICS_COST_ROUNDS` (60) and
 * `METRICS_COST_ROUND_SECONDS` (1) size it.
 */
import { once } from 'node:events';
import { join } from 'node:path';
import { Pool } from 'undici';
import { cpuMicros, load, root, type Server, startGateway, startProcess, type Target } from './harness.js';

const ROUNDS = Number(process.env.METRICS_COST_ROUNDS ?? 60);
const ROUND_SECONDS = Number(process.env.METRICS_COST_ROUND_SECONDS ?? 1);
const CONCURRENCY = Number(process.env.METRICS_COST_CONCURRENCY ?? 50);
const API_KEY = 'sk-bench-metrics-cost-0123456789';
const body = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'Say hello in one short sentence.' }],
  max_tokens: 32,
});

/** The median of `values` and a 95 % confidence interval for it (distribution-free, from order statistics). */
function medianWithInterval(values: readonly number[]): { median: number; low: number; high: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const at = (rank: number) => sorted[Math.min(n - 1, Math.max(0, rank))] ?? Number.NaN;
  const half = 0.98 * Math.sqrt(n);
  return {
    median: at(Math.floor((n - 1) / 2)),
    low: at(Math.floor(n / 2 - half)),
    high: at(Math.ceil(n / 2 + half) - 1),
  };
}

function format(label: string, differences: readonly number[]): string {
  const { median, low, high } = medianWithInterval(differences);
  return `| ${label} | ${median.toFixed(2)} | ${low.toFixed(2)} to ${high.toFixed(2)} |`;
}

async function main(): Promise<void> {
  const servers: Server[] = [];
  try {
    const mock = await startProcess('mock upstream', [
      '--import',
      'tsx',
      join(root, 'bench', 'mock-upstream-server.ts'),
    ]);
    servers.push(mock);
    const core = { OLLAMA_HOST: mock.url, API_KEY, BILLING_ENABLED: 'false', REQUEST_LOG_ENABLED: 'false' };
    const common = { ...core, RATE_LIMIT_RPS: '1000000', CACHE_ENABLED: 'false' };
    const started = await Promise.all([
      startGateway('core A (metrics on)', common),
      startGateway('core B (metrics on, control)', common),
      startGateway('core, metrics off', { ...common, METRICS_ENABLED: 'false' }),
    ]);
    servers.push(...started);
    const targets: Target[] = started.map((server) => ({
      name: server.name,
      server,
      path: '/v1/chat/completions',
      headers: { authorization: `Bearer ${API_KEY}` },
      body,
      streamBody: body,
    }));
    const pools = targets.map((target) => new Pool(target.server.url, { connections: CONCURRENCY }));
    for (const [index, target] of targets.entries()) await load(target, 3, CONCURRENCY, pools[index]);
    const perRound: number[][] = targets.map(() => []);
    for (let round = 0; round < ROUNDS; round++) {
      for (let step = 0; step < targets.length; step++) {
        const index = (round + step) % targets.length;
        const target = targets[index] as Target;
        const pool = pools[index] as Pool;
        await load(target, 0.3, CONCURRENCY, pool);
        const before = cpuMicros(target.server.child);
        const { completed } = await load(target, ROUND_SECONDS, CONCURRENCY, pool);
        perRound[index]?.push((cpuMicros(target.server.child) - before) / completed);
      }
    }
    await Promise.all(pools.map((pool) => pool.close()));
    const [a, b, off] = perRound as [number[], number[], number[]];
    const difference = (x: number[], y: number[]) => x.map((value, round) => value - (y[round] ?? Number.NaN));
    const lines = [
      '| CPU per request, per-round difference | median (µs) | 95 % interval of the median (µs) |',
      '|---|---|---|',
      format('metrics on (A) − off', difference(a, off)),
      format('metrics on (B) − off', difference(b, off)),
      format('A − B (control: the same build twice)', difference(a, b)),
    ];
    const levels = perRound.map(
      (list, index) => `${targets[index]?.name} ${medianWithInterval(list).median.toFixed(1)} µs`,
    );
    process.stdout.write(
      `\n${lines.join('\n')}\n(medians per target: ${levels.join(', ')}; ${ROUNDS} rounds of ${ROUND_SECONDS}s at concurrency ${CONCURRENCY}, order rotating; node ${process.version})\n`,
    );
  } finally {
    for (const server of servers) server.child.kill('SIGTERM');
    await Promise.all(
      servers.map((server) => (server.child.exitCode === null ? once(server.child, 'exit') : undefined)),
    );
  }
}

await main();
