/**
 * `npm run bench:request-instructions`: what one request costs each server, counted in instructions at
 * concurrency 1 under valgrind's callgrind, for issue 19's latency target. Timing cannot judge a change of a few
 * thousand instructions on this shared machine; a count repeats to within a few hundred in one process.
 *
 * Each target runs alone, in turn, under callgrind with V8 `--single-threaded --predictable-gc-schedule` (see
 * `bench/callgrind.ts`; compilation and full garbage collections are left out, every thread is counted, so the
 * SQLite append worker's inserts are in): `REQUEST_INSTRUCTIONS_WARMUP` (20,000) requests, then
 * `REQUEST_INSTRUCTIONS_WINDOWS` (4) windows of `REQUEST_INSTRUCTIONS_WINDOW` (1,000) counted requests, in
 * `REQUEST_INSTRUCTIONS_PROCESSES` (1) fresh processes per target (a process's JIT moves its count by a few
 * thousand; more processes show it). Targets (`REQUEST_INSTRUCTIONS_TARGETS`, comma-separated): `bare` (the bare
 * translating proxy, the floor), `core` (ledger and request log off), `default` (`npm start`'s settings) and
 * `billed` (a virtual key on SQLite), `billed-pg` (a virtual key on Postgres + Redis at `DATABASE_URL` and
 * `REDIS_URL`, with credit leases, in a schema and key prefix of its own); `REQUEST_INSTRUCTIONS_BASELINE=<another built checkout>` adds that build's
 * `core@baseline` and `default@baseline`, unless the targets name their own (`billed@baseline`, …). `REQUEST_INSTRUCTIONS_STREAM=1` sends streamed requests;
 * `REQUEST_INSTRUCTIONS_KEEP=1` keeps the dumps, and `REQUEST_INSTRUCTIONS_NODE_FLAGS=--perf-basic-prof` lets
 * their JIT code be named from `/tmp/perf-<pid>.map`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { BILLED_MASTER_KEY, dropBilledStorage, fundedKeyHeaders, writeBilledConfig } from './billed-gateway.js';
import { COUNTED_NODE_FLAGS, callgrindPrefix, type WindowCount, windowCounter } from './callgrind.js';
import {
  BARE_FLAGS,
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

const WARMUP = Number(process.env.REQUEST_INSTRUCTIONS_WARMUP ?? 20_000);
const WINDOWS = Number(process.env.REQUEST_INSTRUCTIONS_WINDOWS ?? 4);
const WINDOW = Number(process.env.REQUEST_INSTRUCTIONS_WINDOW ?? 1000);
const PROCESSES = Number(process.env.REQUEST_INSTRUCTIONS_PROCESSES ?? 1);
const STREAM = process.env.REQUEST_INSTRUCTIONS_STREAM === '1';
const BASELINE = process.env.REQUEST_INSTRUCTIONS_BASELINE;
const EXTRA_FLAGS = (process.env.REQUEST_INSTRUCTIONS_NODE_FLAGS ?? '').split(' ').filter(Boolean);
const TARGETS = (process.env.REQUEST_INSTRUCTIONS_TARGETS ?? 'bare,core,default').split(',').filter(Boolean);
if (BASELINE !== undefined && !TARGETS.some((name) => name.endsWith('@baseline')))
  TARGETS.push('core@baseline', 'default@baseline');

const API_KEY = 'sk-bench-request-instructions-0123';
const body = JSON.stringify({
  model: 'bench-model',
  messages: [{ role: 'user', content: 'Say something short.' }],
  temperature: 0.2,
  ...(STREAM ? { stream: true } : {}),
});
const output = mkdtempSync(join(tmpdir(), 'request-instructions-'));
/** Postgres schemas the `billed-pg` targets made, dropped at the end. */
const schemas: string[] = [];

/** Starts one target under callgrind; resolves with the server and the headers its requests carry. */
async function start(name: string, mockUrl: string): Promise<{ server: Server; headers: Record<string, string> }> {
  const prefix = callgrindPrefix(output);
  const [kind, build] = name.split('@');
  if (build !== undefined && (build !== 'baseline' || BASELINE === undefined))
    throw new Error(`${name}: only \`…@baseline\` targets, with REQUEST_INSTRUCTIONS_BASELINE set, name another build`);
  const main = join(build === undefined ? root : (BASELINE as string), 'dist', 'cli', 'main.js');
  const nodeFlags = [...NODE_FLAGS, ...COUNTED_NODE_FLAGS, ...EXTRA_FLAGS];
  const common = { RATE_LIMIT_RPS: '1000000', CACHE_ENABLED: 'false', OLLAMA_HOST: mockUrl };
  const data = mkdtempSync(join(output, 'data-'));
  switch (kind) {
    case 'bare':
      return {
        server: await startProcess(
          name,
          [
            ...BARE_FLAGS,
            ...COUNTED_NODE_FLAGS,
            ...EXTRA_FLAGS,
            '--import',
            'tsx',
            join(root, 'bench', 'bare-ollama-proxy.ts'),
          ],
          { env: { UPSTREAM_URL: mockUrl }, prefix },
        ),
        headers: {},
      };
    case 'core': {
      const env = { ...common, API_KEY, BILLING_ENABLED: 'false', REQUEST_LOG_ENABLED: 'false' };
      const server = await startGateway(name, env, main, { nodeFlags, prefix });
      return { server, headers: { authorization: `Bearer ${API_KEY}` } };
    }
    case 'default':
      return {
        server: await startGateway(name, { ...common, LLAMAGATE_DATA_DIR: data }, main, { nodeFlags, prefix }),
        headers: {},
      };
    case 'billed': {
      const config = writeBilledConfig(data);
      const env = {
        ...common,
        LLAMAGATE_DATA_DIR: data,
        LLAMAGATE_MASTER_KEY: BILLED_MASTER_KEY,
        LLAMAGATE_CONFIG: config,
      };
      const server = await startGateway(name, env, main, { nodeFlags, prefix });
      return { server, headers: await fundedKeyHeaders(server) };
    }
    case 'billed-pg': {
      const { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl } = process.env;
      if (databaseUrl === undefined || redisUrl === undefined)
        throw new Error(`${name} needs DATABASE_URL and REDIS_URL`);
      const schema = `request_instructions_${process.pid}_${schemas.length}`;
      schemas.push(schema);
      const env = {
        ...common,
        LLAMAGATE_DATA_DIR: data,
        LLAMAGATE_MASTER_KEY: BILLED_MASTER_KEY,
        LLAMAGATE_CONFIG: writeBilledConfig(data),
        DATABASE_URL: databaseUrl,
        REDIS_URL: redisUrl,
        DATABASE_SCHEMA: schema,
        REDIS_KEY_PREFIX: `${schema}:`,
      };
      const server = await startGateway(name, env, main, { nodeFlags, prefix });
      return { server, headers: await fundedKeyHeaders(server) };
    }
    default:
      throw new Error(`unknown target ${name} (bare, core, default, billed, billed-pg)`);
  }
}

/** One process of a target: warm-up, then its counted windows (instructions a request). */
async function countProcess(name: string, mockUrl: string): Promise<WindowCount[]> {
  const { server, headers } = await start(name, mockUrl);
  const target: Target = { name, server, path: '/v1/chat/completions', headers, body, streamBody: body };
  const pool = new Pool(server.url, { connections: 1 });
  try {
    const sendMany = async (count: number) => {
      for (let sent = 0; sent < count; sent++) await send(pool, target, body);
    };
    await sendMany(WARMUP);
    const count = windowCounter(server.child.pid, output);
    const windows: WindowCount[] = [];
    for (let window = 0; window < WINDOWS; window++) windows.push(await count(() => sendMany(WINDOW), WINDOW));
    process.stderr.write(
      `${name}: ${windows.map((value) => `${value.all.toFixed(0)} (main thread ${value.main.toFixed(0)})`).join(', ')}\n`,
    );
    return windows;
  } finally {
    await pool.close();
    await stopServer(server);
  }
}

async function main(): Promise<void> {
  const mock = await startProcess('mock upstream', ['--import', 'tsx', join(root, 'bench', 'mock-upstream-server.ts')]);
  const counts = new Map<string, WindowCount[][]>(TARGETS.map((name) => [name, []]));
  try {
    // One process of every target per generation: a count does not depend on the minute, but the mock's and
    // the disk's state is then alike for each target's processes.
    for (let generation = 0; generation < PROCESSES; generation++) {
      for (const name of TARGETS) counts.get(name)?.push(await countProcess(name, mock.url));
    }
  } finally {
    await stopServer(mock);
    for (const schema of schemas)
      await dropBilledStorage(process.env.DATABASE_URL as string, schema, process.env.REDIS_URL);
    if (process.env.REQUEST_INSTRUCTIONS_KEEP === '1') process.stderr.write(`callgrind dumps kept in ${output}\n`);
    else rmSync(output, { recursive: true, force: true });
  }
  const medianOf = (name: string, thread: keyof WindowCount) =>
    median((counts.get(name) ?? []).flat().map((count) => count[thread]));
  const times = (value: number, floor: number | undefined) =>
    floor === undefined ? '—' : `${(value / floor).toFixed(3)}×`;
  const bare = counts.has('bare') ? { all: medianOf('bare', 'all'), main: medianOf('bare', 'main') } : undefined;
  const lines = [
    '',
    `Instructions a request at c=1 (${STREAM ? 'streamed' : 'plain'} chat on the Ollama path; ${PROCESSES} process(es) a target, ${WINDOWS} windows of ${WINDOW} after ${WARMUP}; compilation and full garbage collections left out):`,
    '',
    '| target | every thread: median | × bare | main thread: median | × bare | windows, every thread (main thread), process by process |',
    '|---|---|---|---|---|---|',
  ];
  for (const [name, processes] of counts) {
    const all = medianOf(name, 'all');
    const main = medianOf(name, 'main');
    const windows = processes
      .map((windowsOf) => windowsOf.map((count) => `${count.all.toFixed(0)} (${count.main.toFixed(0)})`).join(', '))
      .join(' / ');
    lines.push(
      `| ${name} | ${all.toFixed(0)} | ${times(all, bare?.all)} | ${main.toFixed(0)} | ${times(main, bare?.main)} | ${windows} |`,
    );
  }
  lines.push('', `(valgrind callgrind, node ${process.version} --single-threaded --predictable-gc-schedule)`, '');
  process.stdout.write(lines.join('\n'));
}

await main();
