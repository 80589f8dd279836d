/**
 * A/B of the billed virtual-key path: a baseline checkout's `llamagate serve` against this one's, both billing a
 * virtual key (SQLite, or with MODE=pg Postgres + Redis at the usual local URLs), beside the bare translating
 * proxy, in interleaved rounds at concurrency 50 (req/s, CPU per request from /proc) and then at concurrency 1
 * (p50). The baseline must be built: `git worktree add /tmp/base <commit> && (cd /tmp/base && npm run build)`.
 *
 *   npm run build && BENCH_BASELINE=/tmp/base MODE=sqlite node --import tsx bench/billed-ab.ts
 *
 * LEASES names the targets (`before`, `after`) that run with BILLING_CREDIT_LEASES=true (MODE=pg); the others run
 * with false (one Redis script per hold). With the baseline the same checkout, `BENCH_BASELINE=. MODE=pg
 * LEASES=after` measures what the leases change.
 *
 * ROUNDS (5) × ROUND_SECONDS (2) at c=50, SEQUENTIAL (500) requests at c=1; prints one JSON line per target
 * with the median and range over the rounds.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  load,
  median,
  type Server,
  startBareOllamaProxy,
  startProcess,
  type Target,
} from './harness.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const mode: BilledMode = process.env.MODE === 'pg' ? 'pg' : 'sqlite';
const rounds = Number(process.env.ROUNDS ?? 5);
const seconds = Number(process.env.ROUND_SECONDS ?? 3);
const scratch = mkdtempSync(join(tmpdir(), 'bfab-'));
const mock = await startProcess('mock', ['--import', 'tsx', join(here, 'mock-upstream-server.ts')], {
  env: { STREAM_CHUNKS: '20' },
});
// The same floor as `npm run bench`: the bare translating proxy with the gateway's V8 flags and inlining budgets.
const bare = await startBareOllamaProxy(mock.url);
const config = writeBilledConfig(scratch);
const leased = new Set((process.env.LEASES ?? '').split(',').map((name) => name.trim()));
const gateway = (name: string, main: string): Promise<Server> =>
  startBilledGateway({
    name: `bfab_${name}_${process.pid}`,
    main,
    mode,
    upstreamUrl: mock.url,
    config,
    dataDirectory: join(scratch, name),
    creditLeases: leased.has(name),
  });
const body = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'Say something short.' }],
  temperature: 0.2,
});
async function target(name: string, server: Server, billed: boolean): Promise<Target> {
  const headers = billed ? await fundedKeyHeaders(server) : {};
  return { name, server, path: '/v1/chat/completions', headers, body, streamBody: body };
}
const targets = [
  await target('bare', bare, false),
  await target(
    'before',
    await gateway('before', join(process.env.BENCH_BASELINE ?? '/tmp/base', 'dist/cli/main.js')),
    true,
  ),
  await target('after', await gateway('after', join(here, '..', 'dist/cli/main.js')), true),
];
for (const t of targets) await load(t, 2, 50);
const results = new Map<string, { rps: number[]; cpu: number[] }>(targets.map((t) => [t.name, { rps: [], cpu: [] }]));
for (let round = 0; round < rounds; round++) {
  for (const t of targets) {
    const cpu0 = cpuMicros(t.server.child);
    const { completed, seconds: took } = await load(t, seconds, 50);
    const r = results.get(t.name);
    r?.rps.push(completed / took);
    r?.cpu.push((cpuMicros(t.server.child) - cpu0) / completed);
  }
}
const lat = await latencies(targets, Number(process.env.SEQUENTIAL ?? 500), 100);
const bareRps = results.get('bare')?.rps ?? [];
for (const [index, t] of targets.entries()) {
  const r = results.get(t.name);
  if (r === undefined) continue;
  const ratios = r.rps.map((v, i) => v / (bareRps[i] ?? 1));
  console.log(
    JSON.stringify({
      mode,
      target: t.name,
      ...(leased.has(t.name) ? { creditLeases: true } : {}),
      rpsMedian: Math.round(median(r.rps)),
      ratioMedian: +median(ratios).toFixed(3),
      ratioRange: [+Math.min(...ratios).toFixed(3), +Math.max(...ratios).toFixed(3)],
      cpuUsMedian: Math.round(median(r.cpu)),
      cpuRange: [Math.round(Math.min(...r.cpu)), Math.round(Math.max(...r.cpu))],
      p50ms: +(lat[index]?.p50 ?? 0).toFixed(3),
      addedP50ms: +((lat[index]?.p50 ?? 0) - (lat[0]?.p50 ?? 0)).toFixed(3),
    }),
  );
}
for (const t of targets) await stopBilledGateway(t.server);
mock.child.kill('SIGINT');
process.exit(0);
