/**
 * `npm run bench:streams`: many concurrent open streams through the gateway's default configuration against a
 * slow-drip Ollama upstream (STREAMS_CHUNKS chunks, one every STREAMS_INTERVAL_MS: about 30 s a stream).
 * Reports how many streams were flowing at once (first chunk received while all were open), the spread of
 * their first chunks, the gateway's memory per open stream, and `/health/live` latency throughout; then the
 * same for the bare translating proxy (bench/bare-ollama-proxy.ts, same V8 flags), the floor a gateway in Node
 * can reach (`STREAMS_TARGETS=gateway` or `bare` runs one).
 * Needs about 2 file descriptors per stream in the gateway plus a hundred (`ulimit -n 65536`; the npm script
 * raises the limit as far as the hard limit allows and this warns when it is too low for STREAMS_COUNT).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import {
  percentile,
  root,
  rssMb,
  type Server,
  startBareOllamaProxy,
  startGateway,
  startProcess,
  stopServer,
} from './harness.js';

const COUNT = Number(process.env.STREAMS_COUNT ?? 10_000);
const INTERVAL_MS = Number(process.env.STREAMS_INTERVAL_MS ?? 1500);
const CHUNKS = Number(process.env.STREAMS_CHUNKS ?? 20);
/** How fast the streams are opened (per second); all are open well before the first one ends. */
const OPEN_RATE = Number(process.env.STREAMS_OPEN_RATE ?? 2000);
/** The pause after opening half the streams, and after opening all, before RSS is read. */
const SETTLE_MS = Number(process.env.STREAMS_SETTLE_MS ?? 2000);
/** Which servers are measured, one after the other against the same mock: `gateway`, `bare` or both. */
const TARGETS = (process.env.STREAMS_TARGETS ?? 'gateway,bare').split(',').map((name) => name.trim());
/** Another built checkout whose gateway runs as target `baseline`, for a before/after. */
const BASELINE = process.env.STREAMS_BASELINE;
for (const target of TARGETS) {
  if (target !== 'gateway' && target !== 'bare' && target !== 'baseline')
    throw new Error(`STREAMS_TARGETS: unknown target '${target}' (gateway, bare or baseline)`);
  if (target === 'baseline' && BASELINE === undefined)
    throw new Error('STREAMS_TARGETS names baseline: set STREAMS_BASELINE to a built checkout');
}
const body = JSON.stringify({ model: 'bench-model', messages: [{ role: 'user', content: 'Stream.' }], stream: true });

interface StreamOutcome {
  firstChunkMs?: number;
  /** The stream ended with `data: [DONE]`. */
  done: boolean;
  error?: string;
}

async function openStream(url: string, dispatcher: Agent, outcome: StreamOutcome): Promise<void> {
  const started = performance.now();
  try {
    const response = await request(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      dispatcher,
      bodyTimeout: 0,
      headersTimeout: 0,
    });
    if (response.statusCode !== 200) {
      outcome.error = `HTTP ${response.statusCode}`;
      await response.body.dump();
      return;
    }
    let last = '';
    for await (const chunk of response.body) {
      outcome.firstChunkMs ??= performance.now() - started;
      last = (last + (chunk as Buffer).toString('latin1')).slice(-64);
    }
    outcome.done = last.includes('[DONE]');
  } catch (error) {
    outcome.error = (error as Error).message;
  }
}

/** The soft limit on open files this process (and the gateway it starts) runs with, from /proc on Linux. */
function openFileLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return line === null ? undefined : Number(line[1]);
  } catch {
    return undefined;
  }
}

interface Measured {
  name: string;
  row: string;
  firstFailure: string | undefined;
}

/** Opens COUNT streams through one server, reads its RSS along the way and probes `/health/live` throughout. */
async function measure(server: Server): Promise<Measured> {
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idleRss = rssMb(server.child);

  const health = new Agent({ connections: 1 });
  const healthLatencies: number[] = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const started = performance.now();
      const response = await request(`${server.url}/health/live`, { dispatcher: health });
      await response.body.dump();
      healthLatencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  const clients = new Agent({ connections: COUNT + 10, pipelining: 0, keepAliveTimeout: 120_000 });
  const outcomes: StreamOutcome[] = Array.from({ length: COUNT }, () => ({ done: false }));
  const openedAt = performance.now();
  const running: Promise<void>[] = [];
  const half = Math.floor(COUNT / 2);
  let halfRss = 0;
  for (let index = 0; index < COUNT; index++) {
    running.push(openStream(server.url, clients, outcomes[index] as StreamOutcome));
    if (index % 100 === 99) await new Promise((resolve) => setTimeout(resolve, (100 / OPEN_RATE) * 1000));
    if (index === half - 1) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      halfRss = rssMb(server.child);
    }
  }
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const allRss = rssMb(server.child);
  const allOpenMs = performance.now() - openedAt;
  // Half-way through the streams' lives every stream should be flowing: count those that have had a chunk.
  const lifetimeMs = INTERVAL_MS * CHUNKS;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, lifetimeMs / 2 - allOpenMs)));
  const flowing = outcomes.filter((outcome) => outcome.firstChunkMs !== undefined).length;
  const peakRss = rssMb(server.child);
  await Promise.all(running);
  probing = false;
  await probe;
  await clients.close();
  await health.close();

  const firsts = outcomes
    .map((outcome) => outcome.firstChunkMs)
    .filter((value): value is number => value !== undefined)
    .sort((a, b) => a - b);
  const failed = outcomes.filter((outcome) => outcome.error !== undefined);
  const complete = outcomes.filter((outcome) => outcome.done).length;
  healthLatencies.sort((a, b) => a - b);
  // The mean spreads one-off growth (young generation, heap headroom, compiled code) over the streams; the
  // slope from half to all open is what one more open stream costs.
  const perStreamKb = ((peakRss - idleRss) * 1024) / COUNT;
  const marginalKb = ((allRss - halfRss) * 1024) / (COUNT - half);
  return {
    name: server.name,
    row: `| ${server.name} | ${COUNT} | ${(allOpenMs / 1000).toFixed(1)} | ${flowing} | ${complete} | ${failed.length} | ${percentile(firsts, 50).toFixed(1)} / ${percentile(firsts, 99).toFixed(1)} | ${idleRss.toFixed(0)} → ${halfRss.toFixed(0)} → ${allRss.toFixed(0)} → ${peakRss.toFixed(0)} | ${perStreamKb.toFixed(1)} / ${marginalKb.toFixed(1)} | ${percentile(healthLatencies, 50).toFixed(1)} / ${percentile(healthLatencies, 99).toFixed(1)} |`,
    firstFailure: failed[0]?.error,
  };
}

async function main(): Promise<void> {
  const limit = openFileLimit();
  // The server holds two descriptors a stream (client and upstream socket) plus its own few dozen.
  if (limit !== undefined && 2 * COUNT + 100 > limit)
    process.stderr.write(
      `warning: ${COUNT} streams need about ${2 * COUNT + 100} open files in the gateway, the limit here is ${limit} (at most about ${Math.floor((limit - 100) / 2)} streams); expect refused streams\n`,
    );
  const scratch = mkdtempSync(join(tmpdir(), 'llamagate-streams-'));
  const servers: Server[] = [];
  const results: Measured[] = [];
  try {
    const mock = await startProcess(
      'mock upstream',
      ['--import', 'tsx', join(root, 'bench', 'mock-upstream-server.ts')],
      {
        env: { STREAM_INTERVAL_MS: String(INTERVAL_MS), STREAM_CHUNKS: String(CHUNKS) },
      },
    );
    servers.push(mock);
    // The default configuration, except that the Ollama backend may open a connection per stream: by default
    // 1024 connections per origin flow and the rest wait in the bounded queue, which is not what this measures.
    const config = join(scratch, 'llamagate.yaml');
    writeFileSync(
      config,
      `backends:\n  - { name: ollama, type: ollama, config: { endpoint: '${mock.url}', maxConnections: ${COUNT + 64} } }\ndefaultBackend: ollama\n`,
    );
    for (const target of TARGETS) {
      const server =
        target === 'bare'
          ? await startBareOllamaProxy(mock.url, COUNT + 64)
          : await startGateway(
              target === 'baseline' ? `baseline (${BASELINE})` : 'LlamaGate default',
              {
                OLLAMA_HOST: mock.url,
                LLAMAGATE_CONFIG: config,
                LLAMAGATE_DATA_DIR: join(scratch, target),
                RATE_LIMIT_RPS: '1000000',
                RATE_LIMIT_BURST: '1000000',
                // Every stream comes from this one address; the default cap (256 per client address) would refuse the rest.
                MAX_CONNECTIONS_PER_IP: '0',
                ...(process.env.STREAMS_NODE_OPTIONS === undefined
                  ? {}
                  : { NODE_OPTIONS: process.env.STREAMS_NODE_OPTIONS }),
              },
              target === 'baseline' && BASELINE !== undefined ? join(BASELINE, 'dist', 'cli', 'main.js') : undefined,
            );
      servers.push(server);
      results.push(await measure(server));
      await stopServer(server);
    }
    const lines = [
      `| server | streams | opened in (s) | flowing at once | completed | failed | first chunk p50 / p99 (ms) | RSS idle → half open → all open → half-way (MB) | memory per open stream: mean / from half to all (KB) | /health/live p50 / p99 (ms) |`,
      '|---|---|---|---|---|---|---|---|---|---|',
      ...results.map((result) => result.row),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
    for (const result of results)
      if (result.firstFailure !== undefined)
        process.stdout.write(`${result.name}, first failure: ${result.firstFailure}\n`);
    process.stdout.write(
      `(the gateway in its default configuration with the Ollama backend's maxConnections raised to the stream count, the bare proxy with as many pooled connections; Ollama mock dripping ${CHUNKS} chunks every ${INTERVAL_MS} ms; streams opened at ${OPEN_RATE}/s; node ${process.version})\n`,
    );
  } finally {
    await Promise.all(servers.map(stopServer));
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
