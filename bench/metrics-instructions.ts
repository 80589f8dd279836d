/**
 * `npm run bench:instructions`: what metrics add to a request, counted in instructions instead of CPU time, end
 * to end through the real server. The closed loop and the fixed-rate A/B (decision 0018) cannot resolve a few
 * microseconds, and neither can two processes counted side by side: each optimises its own functions, which
 * moves a request's count by a few thousand instructions from process to process. So three built cores run in
 * one process (`bench/gateways-in-one-process.ts`): metrics on, metrics on again (the A/A control) and metrics
 * off. Every request runs the same compiled code; only the work metrics add differs.
 *
 * Method: the core on the Ollama path (ledger and request log off, as `npm run bench` runs it) at concurrency
 * `INSTRUCTIONS_CONCURRENCY`, V8 `--single-threaded` (compilation and garbage collection on the main thread, so
 * every instruction is counted in one place) and `--predictable-gc-schedule` (scavenges small and regular, so
 * each window holds its share; natively a window holds none or one, which moves it by thousands). Each core gets
 * `INSTRUCTIONS_WARMUP` requests, interleaved; then `INSTRUCTIONS_ROUNDS` rounds send a window of
 * `INSTRUCTIONS_WINDOW` requests to each core in turn, the order rotating every round. This runs twice: natively,
 * timing each window's user CPU, and under `valgrind --tool=callgrind`, counting its instructions. A count leaves
 * out what does not follow the request (see `LEFT_OUT` in `bench/callgrind.ts`); work that runs per collection or per tick rather
 * than per request cancels by design, such as prom-client's garbage-collection observer, which runs for every
 * metrics-on core at every collection whichever core is loaded (decision 0027 prices it). The native user CPU
 * per instruction converts the count into time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { COUNTED_NODE_FLAGS, callgrindPrefix, windowCounter } from './callgrind.js';
import { meanWithInterval, median, NODE_FLAGS, root, send, startProcess, stopServer, type Target } from './harness.js';

const WARMUP = Number(process.env.INSTRUCTIONS_WARMUP ?? 20_000);
const WINDOW = Number(process.env.INSTRUCTIONS_WINDOW ?? 1000);
const ROUNDS = Number(process.env.INSTRUCTIONS_ROUNDS ?? 8);
const CONCURRENCY = Number(process.env.INSTRUCTIONS_CONCURRENCY ?? 1);
const NAMES = ['metrics on', 'metrics on (control)', 'metrics off'];
/** More node flags, e.g. `--perf-basic-prof` so JIT code in kept dumps can be named from /tmp/perf-<pid>.map. */
const EXTRA_FLAGS = (process.env.INSTRUCTIONS_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const API_KEY = 'sk-bench-metrics-instructions-0123';
const body = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'Say something short.' }],
  temperature: 0.2,
});
const output = mkdtempSync(join(tmpdir(), 'metrics-instructions-'));

/** `count` requests at {@link CONCURRENCY}. */
async function sendMany(pool: Pool, target: Target, count: number): Promise<void> {
  let next = 0;
  const client = async () => {
    while (next++ < count) await send(pool, target, body);
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
}

interface Host {
  child: ChildProcess;
  targets: Target[];
  pools: Pool[];
  /** The process's user CPU time so far, in µs (every thread). */
  userMicros(): Promise<number>;
}

/** The three cores in one process, natively or under callgrind; resolves once all listen. */
async function startHost(mockUrl: string, callgrind: boolean): Promise<Host> {
  const core = {
    API_KEY,
    BILLING_ENABLED: 'false',
    REQUEST_LOG_ENABLED: 'false',
    RATE_LIMIT_RPS: '1000000',
    CACHE_ENABLED: 'false',
    OLLAMA_HOST: mockUrl,
  };
  const node = [process.execPath, ...NODE_FLAGS, ...COUNTED_NODE_FLAGS, ...EXTRA_FLAGS];
  const [command, ...args] = [
    ...(callgrind ? callgrindPrefix(output) : []),
    ...node,
    '--import',
    'tsx',
    'bench/gateways-in-one-process.ts',
  ];
  const child = spawn(command as string, args, {
    cwd: root,
    env: { ...process.env, GATEWAYS: JSON.stringify([core, core, { ...core, METRICS_ENABLED: 'false' }]) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  child.stdout?.resume(); // the request log lines, drained unread as a process manager's pipe would
  const ports = await new Promise<number[]>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { ports: number[] }).ports));
    child.once('exit', (code) => reject(new Error(`the gateways' process exited (${code})`)));
  });
  const targets: Target[] = ports.map((port, index) => ({
    name: NAMES[index] ?? '',
    server: { name: NAMES[index] ?? '', url: `http://127.0.0.1:${port}`, child },
    path: '/v1/chat/completions',
    headers: { authorization: `Bearer ${API_KEY}` },
    body,
    streamBody: body,
  }));
  const userMicros = () =>
    new Promise<number>((resolve) => {
      child.once('message', (message) => resolve((message as { cpu: { user: number } }).cpu.user));
      child.send('cpu');
    });
  const pools = targets.map((target) => new Pool(target.server.url, { connections: CONCURRENCY }));
  return { child, targets, pools, userMicros };
}

/**
 * Warms the host's cores up, then runs {@link ROUNDS} rounds of a window to each core in rotating order,
 * `measure` taken around each window; returns each core's measurements per round.
 */
async function rounds(host: Host, measure: (window: () => Promise<void>) => Promise<number>): Promise<number[][]> {
  const each = async (count: number) => {
    for (const [index, target] of host.targets.entries()) await sendMany(host.pools[index] as Pool, target, count);
  };
  for (let part = 0; part < 10; part++) await each(WARMUP / 10);
  const perRequest: number[][] = host.targets.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let step = 0; step < host.targets.length; step++) {
      const index = (round + step) % host.targets.length;
      const target = host.targets[index] as Target;
      perRequest[index]?.push(await measure(() => sendMany(host.pools[index] as Pool, target, WINDOW)));
    }
    process.stderr.write(
      `round ${round + 1}/${ROUNDS}: ${host.targets.map((target, index) => `${target.name} ${perRequest[index]?.at(-1)?.toFixed(2)}`).join(', ')}\n`,
    );
  }
  return perRequest;
}

async function stopHost(host: Host): Promise<void> {
  await Promise.all(host.pools.map((pool) => pool.close()));
  const exited = new Promise((resolve) => host.child.once('exit', resolve));
  host.child.kill('SIGTERM');
  await exited;
}

const format = (values: readonly number[], digits = 0) => values.map((value) => value.toFixed(digits)).join(', ');

/** `a − b` per round: mean ± 95 % interval, median and the rounds. */
function difference(series: number[][], a: number, b: number, digits = 0): string {
  const differences = (series[a] ?? []).map((value, round) => value - (series[b]?.[round] ?? Number.NaN));
  const { mean, half } = meanWithInterval(differences);
  return `mean ${mean.toFixed(digits)} ± ${half.toFixed(digits)}, median ${median(differences).toFixed(digits)} (rounds: ${format(differences, digits)})`;
}

async function main(): Promise<void> {
  const mock = await startProcess('mock upstream', ['--import', 'tsx', join(root, 'bench', 'mock-upstream-server.ts')]);
  try {
    // Natively first: each core's user CPU time a request, which converts the counts below into time.
    process.stderr.write('natively (user CPU µs a request):\n');
    const native = await startHost(mock.url, false);
    const user = await rounds(native, async (window) => {
      const before = await native.userMicros();
      await window();
      return ((await native.userMicros()) - before) / WINDOW;
    });
    await stopHost(native);

    process.stderr.write('under callgrind (instructions a request):\n');
    const counted = await startHost(mock.url, true);
    const count = windowCounter(counted.child.pid, output);
    const instructions = await rounds(counted, async (window) => (await count(window, WINDOW)).all);
    await stopHost(counted);

    const perInstruction = (1000 * median(user.flat())) / median(instructions.flat());
    const onOff = instructions[0]?.map((value, round) => value - (instructions[2]?.[round] ?? Number.NaN)) ?? [];
    process.stdout.write(
      [
        '',
        `Three cores in one process (Ollama path, core, c=${CONCURRENCY}; ${ROUNDS} rounds of ${WINDOW} requests to each after ${WARMUP}, the order rotating):`,
        `- instructions a request (medians; compilation and full garbage collections left out): ${NAMES.map((name, index) => `${name} ${median(instructions[index] ?? []).toFixed(0)}`).join(', ')}`,
        `  - metrics on − off: ${difference(instructions, 0, 2)}`,
        `  - metrics on (control) − off: ${difference(instructions, 1, 2)}`,
        `  - A/A control, on − on: ${difference(instructions, 0, 1)}`,
        `- user CPU µs a request, natively (medians): ${NAMES.map((name, index) => `${name} ${median(user[index] ?? []).toFixed(2)}`).join(', ')}`,
        `  - metrics on − off, timed: ${difference(user, 0, 2, 2)}`,
        `  - A/A control, on − on, timed: ${difference(user, 0, 1, 2)}`,
        `- one instruction of a request ≈ ${perInstruction.toFixed(3)} ns of user CPU here, so metrics on − off ≈ ${((median(onOff) * perInstruction) / 1000).toFixed(2)} µs a request (the median count; the garbage-collection observer cancels in this design, decision 0027)`,
        `(valgrind callgrind, node ${process.version} --single-threaded)`,
        '',
      ].join('\n'),
    );
  } finally {
    await stopServer(mock);
    if (process.env.INSTRUCTIONS_KEEP === '1') process.stderr.write(`callgrind dumps kept in ${output}\n`);
    else rmSync(output, { recursive: true, force: true });
  }
}

await main();
