/**
 * The measuring parts of `npm run bench`: starting servers as child processes, and latency, throughput, CPU
 * and first-chunk measurements that alternate between targets so a slower minute of this shared machine weighs
 * on every target alike.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';
import { INLINING_FLAGS } from '../src/cli/v8-tuning.js';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** `npm start`'s V8 flag; `llamagate serve` adds the inlining budgets itself, the bare proxies are given them. */
export const NODE_FLAGS = ['--max-semi-space-size=32'];
export const BARE_FLAGS = [...NODE_FLAGS, ...INLINING_FLAGS];

export interface Server {
  name: string;
  url: string;
  child: ChildProcess;
}

/** A server measured with one kind of request: the path, headers and bodies it is sent. */
export interface Target {
  name: string;
  server: Server;
  path: string;
  headers: Record<string, string>;
  body: string;
  streamBody: string;
}

export interface StartOptions {
  env?: Record<string, string | undefined>;
  /** Reads the port from a line of the child's output; by default the line is `{"port": N}`. */
  portFrom?: (line: string) => number | undefined;
  /** A port chosen before the start, for servers that take one on the command line. */
  port?: number;
  /** A command node runs under, with its options (e.g. valgrind). */
  prefix?: readonly string[];
}

export async function startProcess(name: string, args: string[], options: StartOptions = {}): Promise<Server> {
  const [command, ...wrapped] = [...(options.prefix ?? []), process.execPath, ...args] as [string, ...string[]];
  const child = spawn(command, wrapped, {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const portFrom = options.portFrom ?? ((line: string) => (JSON.parse(line) as { port: number }).port);
  for await (const line of lines) {
    let port: number | undefined;
    try {
      port = portFrom(line);
    } catch {
      port = undefined;
    }
    if (port !== undefined) {
      // From here on the output (request log lines) is drained unread, as a process manager's pipe would be.
      lines.close();
      child.stdout?.resume();
      return { name, url: `http://127.0.0.1:${port}`, child };
    }
  }
  throw new Error(`${name} exited before listening`);
}

function gatewayPort(line: string): number | undefined {
  const entry = JSON.parse(line) as { msg?: string; port?: number };
  return entry.msg === 'LlamaGate listening' ? entry.port : undefined;
}

/**
 * `llamagate serve` as `npm start` runs it (its V8 flag), with only the given settings: no service URL, key or
 * config file is inherited from the benchmark's own environment. `options.nodeFlags` replaces the V8 flag and
 * `options.prefix` runs node under another command.
 */
export function startGateway(
  name: string,
  env: Record<string, string>,
  main = 'dist/cli/main.js',
  options: { nodeFlags?: readonly string[]; prefix?: readonly string[] } = {},
): Promise<Server> {
  return startProcess(
    name,
    [...(options.nodeFlags ?? NODE_FLAGS), main, 'serve', '--port', '0', '--host', '127.0.0.1'],
    {
      env: { DATABASE_URL: undefined, REDIS_URL: undefined, API_KEY: undefined, LLAMAGATE_CONFIG: undefined, ...env },
      portFrom: gatewayPort,
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    },
  );
}

/**
 * The bare translating proxy (`bench/bare-ollama-proxy.ts`, the floor for the Ollama path) in front of
 * `upstreamUrl`, with the gateway's V8 flags and `connections` pooled upstream connections (its default: 128).
 */
export function startBareOllamaProxy(upstreamUrl: string, connections?: number): Promise<Server> {
  return startProcess(
    'bare translating proxy',
    [...BARE_FLAGS, '--import', 'tsx', join(root, 'bench', 'bare-ollama-proxy.ts')],
    {
      env: { UPSTREAM_URL: upstreamUrl, BARE_CONNECTIONS: connections === undefined ? undefined : String(connections) },
    },
  );
}

/**
 * Sends SIGTERM and waits for the exit; a process that already exited (by a code, or a signal: then `exitCode` is
 * null) is left alone, so this never waits for an `exit` that already happened.
 */
export async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill('SIGTERM');
  await once(server.child, 'exit');
}

/** The settings that put a gateway on the OpenAI-compatible pass-through: one backend at the mock's `/v1`. */
export function passthroughSettings(mockUrl: string): Record<string, string> {
  return {
    DEFAULT_BACKEND: 'bench',
    LLAMAGATE_CONFIG: join(root, 'bench', 'bench-gateway.yaml'),
    BENCH_UPSTREAM: `${mockUrl}/v1`,
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * What `a` costs over `b` from rounds run back to back: the median of the per-round differences and its
 * interquartile range, which cancels most of the machine's drift between rounds.
 */
export function pairedDifference(
  a: readonly number[],
  b: readonly number[],
): { median: number; q25: number; q75: number } {
  const differences = a.map((value, index) => value - (b[index] ?? Number.NaN)).sort((x, y) => x - y);
  return { median: percentile(differences, 50), q25: percentile(differences, 25), q75: percentile(differences, 75) };
}

/** Two-sided 95 % quantiles of Student's t by degrees of freedom (1–10; about 2 beyond). */
const T_95 = [12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23];

/** The mean and the half-width of its 95 % t-interval (NaN for fewer than two values). */
export function meanWithInterval(values: readonly number[]): { mean: number; half: number } {
  const n = values.length;
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  if (n < 2) return { mean, half: Number.NaN };
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1);
  return { mean, half: ((T_95[n - 2] ?? 2) * Math.sqrt(variance)) / Math.sqrt(n) };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
}

/** One request to the target; anything but a 200 throws. */
export async function send(pool: Pool, target: Target, payload: string): Promise<void> {
  const response = await pool.request({
    path: target.path,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body: payload,
  });
  if (response.statusCode !== 200)
    throw new Error(`${target.name}: HTTP ${response.statusCode} ${await response.body.text()}`);
  await response.body.dump();
}

/** Latency at concurrency 1, interleaved: each round sends one request to every target in turn. */
export async function latencies(
  targets: readonly Target[],
  count: number,
  warmup = 200,
): Promise<{ p50: number; p99: number }[]> {
  const pools = targets.map((target) => new Pool(target.server.url, { connections: 1 }));
  const samples: number[][] = targets.map(() => []);
  for (let round = 0; round < warmup + count; round++) {
    for (const [index, target] of targets.entries()) {
      const started = performance.now();
      await send(pools[index] as Pool, target, target.body);
      if (round >= warmup) samples[index]?.push(performance.now() - started);
    }
  }
  await Promise.all(pools.map((pool) => pool.close()));
  return samples.map((list) => {
    list.sort((a, b) => a - b);
    return { p50: percentile(list, 50), p99: percentile(list, 99) };
  });
}

/** Requests completed in `seconds` by `concurrency` clients, each sending its next request when one returns. */
export async function load(
  target: Target,
  seconds: number,
  concurrency: number,
  pool?: Pool,
): Promise<{ completed: number; seconds: number }> {
  const clients = pool ?? new Pool(target.server.url, { connections: concurrency });
  const deadline = performance.now() + seconds * 1000;
  let completed = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await send(clients, target, target.body);
      completed++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  if (pool === undefined) await clients.close();
  return { completed, seconds: elapsed };
}

/** CPU time (user + system) the process has used so far, in µs (from /proc, clock ticks of 10 ms). */
export function cpuMicros(child: ChildProcess): number {
  const fields = (readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

export function rssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export interface ThroughputOptions {
  rounds: number;
  roundSeconds: number;
  roundWarmupSeconds: number;
  concurrency: number;
}

/**
 * Requests/s in rounds, each loading every target in turn: the median round per target, and the server's CPU
 * time per request over all rounds and per round (targets sharing a server are told apart by their own rounds).
 */
export async function throughputs(
  targets: readonly Target[],
  options: ThroughputOptions,
): Promise<{ rps: number; cpuPerRequest: number; cpuPerRound: number[] }[]> {
  const rates: number[][] = targets.map(() => []);
  const cpu = targets.map(() => ({ micros: 0, requests: 0 }));
  const cpuPerRound: number[][] = targets.map(() => []);
  // Each target keeps its connections across rounds, as a steady client would.
  const pools = targets.map((target) => new Pool(target.server.url, { connections: options.concurrency }));
  for (let round = 0; round < options.rounds; round++) {
    for (const [index, target] of targets.entries()) {
      // Back to steady state after idling through the other targets' rounds (V8 shrinks an idle young generation).
      await load(target, options.roundWarmupSeconds, options.concurrency, pools[index]);
      const cpuBefore = cpuMicros(target.server.child);
      const { completed, seconds } = await load(target, options.roundSeconds, options.concurrency, pools[index]);
      rates[index]?.push(completed / seconds);
      const used = cpu[index] as { micros: number; requests: number };
      const micros = cpuMicros(target.server.child) - cpuBefore;
      used.micros += micros;
      used.requests += completed;
      cpuPerRound[index]?.push(micros / completed);
    }
  }
  await Promise.all(pools.map((pool) => pool.close()));
  return rates.map((list, index) => {
    const used = cpu[index] as { micros: number; requests: number };
    return { rps: median(list), cpuPerRequest: used.micros / used.requests, cpuPerRound: cpuPerRound[index] ?? [] };
  });
}

/**
 * Streams interleaved like {@link latencies}: time to the first chunk and to the end, p50 of each. A target
 * whose stream fails is reported as failed (NaN) and left out of the later rounds.
 */
export async function streams(
  targets: readonly Target[],
  count: number,
  warmup = 20,
): Promise<{ firstChunk: number; complete: number; failure?: string }[]> {
  const pools = targets.map((target) => new Pool(target.server.url, { connections: 1 }));
  const firsts: number[][] = targets.map(() => []);
  const completes: number[][] = targets.map(() => []);
  const failures: (string | undefined)[] = targets.map(() => undefined);
  for (let round = 0; round < count + warmup; round++) {
    for (const [index, target] of targets.entries()) {
      if (failures[index] !== undefined) continue;
      const started = performance.now();
      const response = await (pools[index] as Pool).request({
        path: target.path,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body: target.streamBody,
      });
      if (response.statusCode !== 200) {
        failures[index] = `HTTP ${response.statusCode} ${(await response.body.text()).slice(0, 200)}`;
        continue;
      }
      let first: number | undefined;
      for await (const _chunk of response.body) first ??= performance.now() - started;
      if (round >= warmup && first !== undefined) {
        firsts[index]?.push(first);
        completes[index]?.push(performance.now() - started);
      }
    }
  }
  await Promise.all(pools.map((pool) => pool.close()));
  return targets.map((_target, index) => {
    const failure = failures[index];
    if (failure !== undefined) return { firstChunk: Number.NaN, complete: Number.NaN, failure };
    return { firstChunk: median(firsts[index] ?? []), complete: median(completes[index] ?? []) };
  });
}

/**
 * Open-loop load: `rate` requests/s for `seconds`, sent on a 1 ms tick whatever the answers' pace (at most
 * `maxOutstanding` unanswered). Every target loaded this way does the same work per second, so its CPU per
 * request is not skewed by how many requests one wake-up of its event loop happens to batch — the feedback
 * that makes closed-loop CPU figures of two nearly equal servers drift apart.
 */
export async function pacedLoad(
  target: Target,
  rate: number,
  seconds: number,
  pool: Pool,
  maxOutstanding = 256,
): Promise<{ completed: number; seconds: number }> {
  const total = Math.round(rate * seconds);
  let sent = 0;
  let completed = 0;
  let outstanding = 0;
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    if (total === 0) resolve();
    const answered = () => {
      completed++;
      outstanding--;
      if (completed === total) resolve();
    };
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      while (sent < due && outstanding < maxOutstanding) {
        sent++;
        outstanding++;
        send(pool, target, target.body).then(answered, reject);
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  return { completed, seconds: (performance.now() - started) / 1000 };
}
