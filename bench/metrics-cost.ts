/**
 * `npm run bench:metrics`: what metrics cost end to end, in CPU per request of the gateway core (`API_KEY`,
 * ledger and request log off). Targets: two identical cores with metrics on (an A/A control that shows how
 * far two processes running the same code drift apart) and one with `METRICS_ENABLED=false`; with
 * `METRICS_COST_BASELINE=<another checkout, built>` also that build's core (a before/after of the same path).
 *
 * Method (decision 0018): every target is loaded at the same time, open loop, at the same fixed rate, so each
 * does the same work per second under the same machine conditions. A generation starts fresh processes (start
 * and load order rotate), warms them up, then measures `METRICS_COST_ROUNDS` rounds; the generation is the
 * unit, since JIT luck differs between processes. The report gives each pair's mean per-generation CPU ratio
 * and difference with a 95 % t-interval.
 * `METRICS_COST_PATH=passthrough` measures the OpenAI-compatible pass-through instead of the Ollama path;
 * `METRICS_COST_STREAM=1` sends streamed requests (the mock's 20 chunks each) instead of plain ones, and with
 * `METRICS_COST_STREAM_USAGE=1` they ask for the usage chunk (`stream_options.include_usage`).
 * `METRICS_COST_PROMPT_BYTES=10000` pads the user message to about that many bytes.
 * `METRICS_COST_CONFIG=default` measures the default configuration instead of the core (`npm start`: no key,
 * the SQLite usage ledger and request log on, a data directory per process), where the request log already
 * observes every request and metrics add only their own updates.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import {
  cpuMicros,
  meanWithInterval,
  pacedLoad,
  passthroughSettings,
  root,
  type Server,
  startGateway,
  startProcess,
  stopServer,
  type Target,
} from './harness.js';

const GENERATIONS = Number(process.env.METRICS_COST_GENERATIONS ?? 8);
const ROUNDS = Number(process.env.METRICS_COST_ROUNDS ?? 4);
const ROUND_SECONDS = Number(process.env.METRICS_COST_ROUND_SECONDS ?? 2);
const WARMUP_SECONDS = Number(process.env.METRICS_COST_WARMUP_SECONDS ?? 4);
const RATE = Number(process.env.METRICS_COST_RATE ?? 1000);
const PATH = process.env.METRICS_COST_PATH ?? 'ollama';
const BASELINE = process.env.METRICS_COST_BASELINE;
const API_KEY = 'sk-bench-metrics-cost-0123456789';
const STREAM = process.env.METRICS_COST_STREAM === '1';
/** The client asks for the usage chunk itself, so a pass-through stream goes out unchanged and is relayed (0023). */
const STREAM_USAGE = process.env.METRICS_COST_STREAM_USAGE === '1';
const DEFAULT_CONFIG = process.env.METRICS_COST_CONFIG === 'default';
const scratch = DEFAULT_CONFIG ? mkdtempSync(join(tmpdir(), 'metrics-cost-')) : undefined;
let processes = 0;
/** The default configuration is open (no key); the core answers its `API_KEY`. */
const CALLER_HEADERS: Record<string, string> = DEFAULT_CONFIG ? {} : { authorization: `Bearer ${API_KEY}` };
/** `METRICS_COST_PROMPT_BYTES` pads the user message to about that many bytes (a long prompt, as RAG sends). */
const PROMPT_BYTES = Number(process.env.METRICS_COST_PROMPT_BYTES ?? 0);
const prompt = 'Say something short.'.padEnd(PROMPT_BYTES, ' Some context for the question, repeated.');
const body = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: prompt }],
  temperature: 0.2,
  ...(STREAM ? { stream: true } : {}),
  ...(STREAM && STREAM_USAGE ? { stream_options: { include_usage: true } } : {}),
});

interface Variant {
  name: string;
  env: Record<string, string>;
  main?: string;
}

async function generation(variants: readonly Variant[], index: number): Promise<number[]> {
  // Rotating which target starts and is loaded first cancels the small advantage of a position.
  const order = variants.map((_variant, position) => (position + index) % variants.length);
  const started = await Promise.all(
    order.map((which) => {
      const variant = variants[which] as Variant;
      // The default configuration's SQLite file is one process's own.
      const env =
        scratch === undefined ? variant.env : { ...variant.env, LLAMAGATE_DATA_DIR: join(scratch, `${processes++}`) };
      return startGateway(variant.name, env, variant.main);
    }),
  );
  const servers = variants.map((_variant, which) => started[order.indexOf(which)] as Server);
  const targets: Target[] = servers.map((server) => ({
    name: server.name,
    server,
    path: '/v1/chat/completions',
    headers: CALLER_HEADERS,
    body,
    streamBody: body,
  }));
  const pools = targets.map((target) => new Pool(target.server.url, { connections: 64 }));
  const loadAll = (seconds: number) =>
    Promise.all(order.map((which) => pacedLoad(targets[which] as Target, RATE, seconds, pools[which] as Pool)));
  try {
    await loadAll(WARMUP_SECONDS);
    const micros = variants.map(() => 0);
    const requests = variants.map(() => 0);
    for (let round = 0; round < ROUNDS; round++) {
      const before = servers.map((server) => cpuMicros(server.child));
      const done = await loadAll(ROUND_SECONDS);
      for (const [which, server] of servers.entries()) {
        micros[which] = (micros[which] ?? 0) + cpuMicros(server.child) - (before[which] ?? 0);
        requests[which] = (requests[which] ?? 0) + (done[order.indexOf(which)]?.completed ?? 0);
      }
    }
    return micros.map((value, which) => value / (requests[which] ?? 1));
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
    await Promise.all(servers.map(stopServer));
  }
}

async function main(): Promise<void> {
  const mock = await startProcess('mock upstream', ['--import', 'tsx', join(root, 'bench', 'mock-upstream-server.ts')]);
  try {
    const core = {
      ...(DEFAULT_CONFIG ? {} : { API_KEY, BILLING_ENABLED: 'false', REQUEST_LOG_ENABLED: 'false' }),
      RATE_LIMIT_RPS: '1000000',
      CACHE_ENABLED: 'false',
      OLLAMA_HOST: mock.url,
      ...(PATH === 'passthrough' ? passthroughSettings(mock.url) : {}),
    };
    const variants: Variant[] = [
      { name: 'metrics on (A)', env: core },
      { name: 'metrics on (B)', env: core },
      { name: 'metrics off', env: { ...core, METRICS_ENABLED: 'false' } },
    ];
    if (BASELINE !== undefined)
      variants.push({
        name: `baseline core (${process.env.METRICS_COST_BASELINE_NAME ?? BASELINE})`,
        env: core,
        main: join(BASELINE, 'dist', 'cli', 'main.js'),
      });
    const perGeneration: number[][] = variants.map(() => []);
    for (let index = 0; index < GENERATIONS; index++) {
      const cpu = await generation(variants, index);
      for (const [which, value] of cpu.entries()) perGeneration[which]?.push(value);
      process.stderr.write(
        `generation ${index + 1}/${GENERATIONS}: ${variants.map((variant, which) => `${variant.name} ${cpu[which]?.toFixed(1)} µs`).join(', ')}\n`,
      );
    }
    const compare = (a: number, b: number, label: string) => {
      const x = perGeneration[a] as number[];
      const y = perGeneration[b] as number[];
      const ratio = meanWithInterval(x.map((value, index) => value / (y[index] ?? Number.NaN)));
      const difference = meanWithInterval(x.map((value, index) => value - (y[index] ?? Number.NaN)));
      return `| ${label} | ${(100 * (ratio.mean - 1)).toFixed(1)} % ± ${(100 * ratio.half).toFixed(1)} | ${difference.mean.toFixed(1)} ± ${difference.half.toFixed(1)} |`;
    };
    const lines = [
      '| CPU per request, per-generation comparison | mean ratio − 1 (95 % interval) | mean difference in µs (95 % interval) |',
      '|---|---|---|',
      compare(0, 2, 'metrics on (A) vs off'),
      compare(1, 2, 'metrics on (B) vs off'),
      compare(0, 1, 'A vs B (control: the same build twice)'),
    ];
    if (BASELINE !== undefined) {
      lines.push(compare(0, 3, 'metrics on (A) vs the baseline core'));
      lines.push(compare(2, 3, 'metrics off vs the baseline core'));
    }
    const levels = perGeneration.map(
      (list, which) => `${variants[which]?.name} ${meanWithInterval(list).mean.toFixed(1)} µs`,
    );
    process.stdout.write(
      `\n${lines.join('\n')}\n(${PATH} path${STREAM ? `, streamed (20 chunks each${STREAM_USAGE ? ', usage asked' : ''})` : ''}; mean CPU per request: ${levels.join(', ')}; ${GENERATIONS} generations of fresh processes, each ${WARMUP_SECONDS}s warm-up then ${ROUNDS} rounds of ${ROUND_SECONDS}s, every target at ${RATE} requests/s at once, open loop; node ${process.version})\n`,
    );
  } finally {
    await stopServer(mock);
  }
}

await main();
