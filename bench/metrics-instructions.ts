/**
 * `npm run bench:instructions`: what metrics add to a request, counted in instructions instead of CPU time. The
 * closed loop and the fixed-rate A/B (decision 0018) cannot resolve a few microseconds; an instruction count
 * does not drift with the machine's load. Two cores of the same build, one with `METRICS_ENABLED=false`, each run
 * under `valgrind --tool=callgrind` at the same time, on the Ollama path with the ledger and request log off.
 *
 * Method: V8 runs `--single-threaded` (compilation and garbage collection on the main thread, so every instruction
 * is counted in one place) with `--predictable-gc-schedule` (without it the windows spread several times as
 * widely; with it the young generation is collected about four times as often as natively, which charges
 * metrics' garbage-collection observer about 800 instructions a request too many). Each gateway is warmed up
 * uninstrumented (`INSTRUCTIONS_WARMUP` requests at c=1), then instrumented, then measured in
 * `INSTRUCTIONS_WINDOWS` windows of `INSTRUCTIONS_WINDOW` requests. A window's count leaves out TurboFan
 * compilation, timer callbacks and incremental marking: under valgrind a request takes about 50 times as long, so
 * wall-clock-driven work and late tier-ups would be charged to requests that do not cause them natively. What
 * remains (young-generation garbage collection included) is the request's work. The first window still carries
 * the tail of tiering up and is reported but not compared.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import {
  median,
  NODE_FLAGS,
  root,
  type Server,
  send,
  startGateway,
  startProcess,
  stopServer,
  type Target,
} from './harness.js';

const WARMUP = Number(process.env.INSTRUCTIONS_WARMUP ?? 25_000);
const WINDOW = Number(process.env.INSTRUCTIONS_WINDOW ?? 2000);
const WINDOWS = Number(process.env.INSTRUCTIONS_WINDOWS ?? 4);
/** Fresh process pairs, one after another: JIT state differs from process to process, so pairs are the unit. */
const PAIRS = Number(process.env.INSTRUCTIONS_PAIRS ?? 1);
/** More node flags, e.g. `--perf-basic-prof` so JIT code in kept dumps can be named from /tmp/perf-<pid>.map. */
const EXTRA_FLAGS = (process.env.INSTRUCTIONS_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const API_KEY = 'sk-bench-metrics-instructions-0123';
const body = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'Say something short.' }],
  temperature: 0.2,
});
const output = mkdtempSync(join(tmpdir(), 'metrics-instructions-'));

/** `count` requests at c=1, as the chat target `npm run bench` sends the core. */
async function sendMany(server: Server, count: number): Promise<void> {
  const target: Target = {
    name: server.name,
    server,
    path: '/v1/chat/completions',
    headers: { authorization: `Bearer ${API_KEY}` },
    body,
    streamBody: body,
  };
  const pool = new Pool(server.url, { connections: 1 });
  try {
    for (let sent = 0; sent < count; sent++) await send(pool, target, body);
  } finally {
    await pool.close();
  }
}

function control(server: Server, ...args: string[]): void {
  execFileSync('callgrind_control', [...args, String(server.child.pid)], { stdio: 'ignore' });
}

/** Instructions of the server's `part`-th dump (numbered from 1): all, and those inside the named functions. */
function dumpCounts(server: Server, part: number, functions: readonly string[]): { total: number; inside: number } {
  const annotated = execFileSync(
    'callgrind_annotate',
    ['--inclusive=yes', '--threshold=100', join(output, `callgrind.${server.child.pid}.${part}`)],
    { encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  let total = 0;
  let inside = 0;
  for (const line of annotated.split('\n')) {
    const count = Number(line.trim().split(/\s+/)[0]?.replaceAll(',', ''));
    if (!Number.isFinite(count)) continue;
    if (line.includes('PROGRAM TOTALS')) total = count;
    else if (functions.some((name) => line.includes(name))) inside += count;
  }
  return { total, inside };
}

/**
 * Left out of a window's count: compilation (tier-ups), timer callbacks, and the incremental marking of a full
 * garbage collection (natively on V8's helper threads, which `--single-threaded` moves onto the counted one;
 * its cost follows the live heap, and one marking cycle in one window added about 50,000 instructions a request).
 */
const LEFT_OUT = [
  'v8::internal::Runtime_CompileOptimized(',
  'v8::internal::Runtime_CompileLazy(',
  'v8::internal::Runtime_CompileBaseline(',
  'node::Environment::RunTimers(',
  'v8::internal::IncrementalMarking::AdvanceAndFinalizeIfComplete(',
  'v8::internal::IncrementalMarking::Observer::Step(',
];

async function measure(name: string, env: Record<string, string>): Promise<number[]> {
  const server = await startGateway(name, env, 'dist/cli/main.js', {
    prefix: [
      'valgrind',
      '--tool=callgrind',
      '--instr-atstart=no',
      '--dump-instr=no',
      `--callgrind-out-file=${join(output, 'callgrind.%p')}`,
    ],
    nodeFlags: [...NODE_FLAGS, '--single-threaded', '--predictable-gc-schedule', ...EXTRA_FLAGS],
  });
  try {
    await sendMany(server, WARMUP);
    control(server, '--instr=on');
    await sendMany(server, 500);
    const perRequest: number[] = [];
    for (let window = 0; window < WINDOWS; window++) {
      control(server, '--zero');
      await sendMany(server, WINDOW);
      control(server, `--dump=window${window}`);
      const counts = dumpCounts(server, window + 1, LEFT_OUT);
      const counted = (counts.total - counts.inside) / WINDOW;
      perRequest.push(counted);
      process.stderr.write(
        `${name}: window ${window + 1}/${WINDOWS} ${(counts.total / WINDOW).toFixed(0)} instructions a request, ${counted.toFixed(0)} without what is left out\n`,
      );
    }
    return perRequest;
  } finally {
    await stopServer(server);
  }
}

async function main(): Promise<void> {
  const mock = await startProcess('mock upstream', ['--import', 'tsx', join(root, 'bench', 'mock-upstream-server.ts')]);
  try {
    const core = {
      API_KEY,
      BILLING_ENABLED: 'false',
      REQUEST_LOG_ENABLED: 'false',
      RATE_LIMIT_RPS: '1000000',
      CACHE_ENABLED: 'false',
      OLLAMA_HOST: mock.url,
    };
    const compared: number[] = [];
    const lines: string[] = [];
    const format = (values: readonly number[]) => values.map((value) => value.toFixed(0)).join(', ');
    for (let pair = 1; pair <= PAIRS; pair++) {
      const [on = [], off = []] = await Promise.all([
        measure(`metrics on (pair ${pair})`, core),
        measure(`metrics off (pair ${pair})`, { ...core, METRICS_ENABLED: 'false' }),
      ]);
      const differences = on.slice(1).map((value, index) => value - (off[index + 1] ?? Number.NaN));
      compared.push(...differences);
      lines.push(
        `- pair ${pair}: on ${format(on)}; off ${format(off)}; on − off, windows 2 to ${WINDOWS}: ${format(differences)}`,
      );
    }
    process.stdout.write(
      `\nInstructions per request (Ollama path, core, c=1; windows of ${WINDOW} after ${WARMUP} uninstrumented requests; compilation, timer callbacks and incremental marking left out):\n${lines.join('\n')}\n- on − off over ${compared.length} windows: median ${median(compared).toFixed(0)} (sorted: ${format([...compared].sort((a, b) => a - b))})\n(valgrind callgrind, node ${process.version} --single-threaded --predictable-gc-schedule)\n`,
    );
  } finally {
    await stopServer(mock);
    if (process.env.INSTRUCTIONS_KEEP === '1') process.stderr.write(`callgrind dumps kept in ${output}\n`);
    else rmSync(output, { recursive: true, force: true });
  }
}

await main();
