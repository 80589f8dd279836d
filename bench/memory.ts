/**
 * `npm run bench:memory`: the default configuration's RSS right after start, then under steady load at
 * concurrency 50 (Ollama mock, SQLite ledger on): RSS after MEMORY_FIRST requests and after MEMORY_TOTAL, and
 * the drift between the two (target: within 10 %); RSS and the V8 heap in use every MEMORY_SAMPLE_EVERY requests
 * (100,000) go to stderr, to tell a leak (steady growth) from a heap settling in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { load, root, rssMb, type Server, startGateway, startProcess, stopServer, type Target } from './harness.js';

const FIRST = Number(process.env.MEMORY_FIRST ?? 100_000);
const TOTAL = Number(process.env.MEMORY_TOTAL ?? 1_000_000);
const CONCURRENCY = 50;
const body = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'Say something short.' }] });

const METRICS_TOKEN = 'bench-memory-metrics';
const SAMPLE_EVERY = Number(process.env.MEMORY_SAMPLE_EVERY ?? 100_000);

/** The gateway's V8 heap in use (MB), from its own `/metrics`. */
async function heapUsedMb(gateway: Server): Promise<number> {
  const response = await fetch(`${gateway.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await response.text();
  const match = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
  return match === null ? Number.NaN : Number(match[1]) / 1024 / 1024;
}

/** Loads until `total` requests, printing RSS and heap in use every SAMPLE_EVERY requests (to stderr). */
async function loadUntil(target: Target, pool: Pool, total: number, done: { count: number; sampled: number }) {
  while (done.count < total) {
    const { completed } = await load(target, 2, CONCURRENCY, pool);
    done.count += completed;
    if (done.count - done.sampled >= SAMPLE_EVERY) {
      done.sampled = done.count;
      const heap = await heapUsedMb(target.server);
      process.stderr.write(
        `${done.count} requests: RSS ${rssMb(target.server.child).toFixed(1)} MB, heap used ${heap.toFixed(1)} MB\n`,
      );
    }
  }
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'llamagate-memory-'));
  const servers: Server[] = [];
  try {
    const mock = await startProcess('mock upstream', [
      '--import',
      'tsx',
      join(root, 'bench', 'mock-upstream-server.ts'),
    ]);
    servers.push(mock);
    const gateway = await startGateway('LlamaGate default', {
      OLLAMA_HOST: mock.url,
      LLAMAGATE_DATA_DIR: scratch,
      RATE_LIMIT_RPS: '1000000',
      METRICS_TOKEN,
    });
    servers.push(gateway);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const startRss = rssMb(gateway.child);
    const target: Target = {
      name: 'gateway',
      server: gateway,
      path: '/v1/chat/completions',
      headers: {},
      body,
      streamBody: body,
    };
    const pool = new Pool(gateway.url, { connections: CONCURRENCY });
    const done = { count: 0, sampled: 0 };
    const started = performance.now();
    await loadUntil(target, pool, FIRST, done);
    const firstRss = rssMb(gateway.child);
    const firstCount = done.count;
    await loadUntil(target, pool, TOTAL, done);
    const lastRss = rssMb(gateway.child);
    await pool.close();
    const seconds = (performance.now() - started) / 1000;
    const lines = [
      `| RSS after start (MB) | RSS after ${firstCount} requests (MB) | RSS after ${done.count} requests (MB) | drift | time (s) |`,
      '|---|---|---|---|---|',
      `| ${startRss.toFixed(1)} | ${firstRss.toFixed(1)} | ${lastRss.toFixed(1)} | ${(((lastRss - firstRss) / firstRss) * 100).toFixed(1)} % | ${seconds.toFixed(0)} |`,
    ];
    process.stdout.write(
      `\n${lines.join('\n')}\n(default configuration, Ollama mock, concurrency ${CONCURRENCY}; node ${process.version})\n`,
    );
  } finally {
    await Promise.all(servers.map(stopServer));
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
