/**
 * Seeded fuzzing of every inbound route through the real gateway (billing on SQLite, a well-behaved upstream):
 * bad input is never a 5xx, always the route's documented error shape, never a hang, an unhandled rejection,
 * an "unexpected error" log line or a secret in the logs, and the server keeps answering `/health/live`.
 * `FUZZ_SEED` replays a run (the seed is in every failure message); `FUZZ_COUNT` sizes it (default 1200);
 * `FUZZ_STORAGE=postgres` runs it on Postgres (DATABASE_URL) instead of SQLite.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropSchema } from '../../src/storage/testing/service-cleanup.js';
import { type FaultUpstream, startFaultUpstream } from '../../src/test-support/fault-upstream.js';
import { type BillingGateway, MASTER_KEY, startBillingGateway, waitFor } from '../e2e/billing-harness.js';
import { buildRawRequest, buildRequest, type ErrorShape, type FuzzRequest, Random } from './fuzz-corpus.js';

const SEED = process.env.FUZZ_SEED === undefined ? 18_2026 : Number(process.env.FUZZ_SEED);
const COUNT = Number(process.env.FUZZ_COUNT ?? 1200);
/** Raw byte-level requests: a quarter of the count. */
const RAW_COUNT = Math.ceil(COUNT / 4);
const CONCURRENCY = 8;
/** `FUZZ_STORAGE=postgres` (with DATABASE_URL) fuzzes a gateway on Postgres, in a schema of its own. */
const POSTGRES_SCHEMA =
  process.env.FUZZ_STORAGE === 'postgres' ? `lg_test_fuzz_${Math.random().toString(36).slice(2, 10)}` : undefined;
/** A request not answered in this time is a hang. */
const ANSWER_TIMEOUT_MS = 10_000;

let upstream: FaultUpstream;
let gateway: BillingGateway;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  upstream = await startFaultUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'lg-fuzz-'));
  const configFile = join(dir, 'llamagate.yaml');
  writeFileSync(
    configFile,
    `defaultBackend: up
backends:
  - { name: up, type: openai-compatible, config: { endpoint: "${upstream.baseUrl('ok', 'openai')}", apiKey: sk-upstream-secret-value } }
  - { name: ol, type: ollama, config: { endpoint: "${upstream.baseUrl('ok', 'ollama')}" } }
prices:
  "*": { input: "3.00", output: "15.00" }
`,
  );
  gateway = await startBillingGateway({
    env: {
      LLAMAGATE_DATA_DIR: dir,
      ...(POSTGRES_SCHEMA === undefined
        ? {}
        : { DATABASE_URL: process.env.DATABASE_URL ?? '', DATABASE_SCHEMA: POSTGRES_SCHEMA }),
      OLLAMA_HOST: upstream.baseUrl('ok', 'ollama'),
      // The fuzzer sends many bad credentials on purpose: counting them would turn later requests into 429s.
      AUTH_FAILURES_PER_MINUTE: '0',
      RATE_LIMIT_RPS: '100000',
    },
    configFile,
  });
}, 30_000);

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
  await gateway?.close();
  await upstream?.close();
  if (POSTGRES_SCHEMA !== undefined) {
    await dropSchema(process.env.DATABASE_URL as string, POSTGRES_SCHEMA);
  }
});

interface Answer {
  status: number;
  contentType: string;
  body: Buffer;
}

function send(agent: Agent, request: FuzzRequest): Promise<Answer> {
  const { port } = new URL(gateway.url);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.path,
        headers: {
          ...request.headers,
          ...(request.body === undefined ? {} : { 'content-length': String(request.body.length) }),
        },
        timeout: ANSWER_TIMEOUT_MS,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            contentType: String(response.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms`)));
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** Whether a body is the route's documented error shape. */
function hasErrorShape(shape: ErrorShape, body: unknown): boolean {
  if (typeof body !== 'object' || body === null) return false;
  const { error, type } = body as { error?: unknown; type?: unknown };
  if (shape === 'ollama') return typeof error === 'string' && error.length > 0;
  if (typeof error !== 'object' || error === null) return false;
  const fields = error as Record<string, unknown>;
  if (typeof fields.message !== 'string' || typeof fields.type !== 'string') return false;
  if (shape === 'anthropic') return type === 'error';
  return typeof fields.code === 'string' && 'param' in fields;
}

/** What is wrong with an answer to bad input, or undefined when it is fine. */
function judge(request: FuzzRequest, answer: Answer): string | undefined {
  if (answer.status >= 500) return `status ${answer.status}`;
  if (answer.status < 200) return `status ${answer.status}`;
  const json = answer.contentType.startsWith('application/json');
  let parsed: unknown;
  if (json) {
    try {
      parsed = JSON.parse(answer.body.toString('utf8'));
    } catch {
      return `${answer.status} with a body that is not JSON`;
    }
  }
  if (answer.status >= 400) {
    if (!json) return `${answer.status} with content-type ${JSON.stringify(answer.contentType)}`;
    if (!hasErrorShape(request.shape, parsed)) return `${answer.status} not in the ${request.shape} error shape`;
  }
  return undefined;
}

function describeFailure(request: FuzzRequest, problem: string, answer?: Answer): string {
  const body = request.body?.subarray(0, 300).toString('utf8') ?? '';
  const reply = answer?.body.subarray(0, 300).toString('utf8') ?? '';
  return `#${request.index} ${request.method} ${request.path.slice(0, 100)} [${request.mutations.join('; ')}]: ${problem}\n  sent: ${body}\n  got: ${reply}`;
}

describe(`fuzzing every inbound route (FUZZ_SEED=${SEED}, FUZZ_COUNT=${COUNT})`, () => {
  it(
    'answers every malformed request with a 4xx in the route error shape, and stays up',
    async () => {
      const { key, id } = await gateway.createKey({ name: 'fuzzer', credits: 1000 });
      const { id: adminTargetId } = await gateway.createKey({ name: 'fuzz-target', credits: 1 });
      const random = new Random(SEED);
      const corpus = Array.from({ length: COUNT }, (_, index) =>
        buildRequest(random, index, { key, master: MASTER_KEY, adminTargetId }),
      );
      const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
      const failures: string[] = [];
      const statuses = new Map<number, number>();
      let next = 0;
      const worker = async () => {
        while (next < corpus.length) {
          const request = corpus[next++] as FuzzRequest;
          try {
            const answer = await send(agent, request);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            const problem = judge(request, answer);
            if (problem !== undefined) failures.push(describeFailure(request, problem, answer));
          } catch (error) {
            failures.push(describeFailure(request, `no answer: ${(error as Error).message}`));
          }
          if (request.index % 200 === 199) {
            const live = await fetch(`${gateway.url}/health/live`);
            if (live.status !== 200) failures.push(`/health/live answered ${live.status} after #${request.index}`);
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      agent.destroy();

      const replay = `replay with FUZZ_SEED=${SEED} FUZZ_COUNT=${COUNT}`;
      expect(failures.slice(0, 10), `${failures.length} bad answers; ${replay}`).toEqual([]);
      expect((await fetch(`${gateway.url}/health/live`)).status, replay).toBe(200);
      expect(unhandled.map(String), replay).toEqual([]);
      const unexpected = gateway.logs.filter((line) => line.msg === 'unexpected error' || Number(line.level) >= 50);
      expect(unexpected.slice(0, 3), replay).toEqual([]);
      const logText = JSON.stringify(gateway.logs);
      for (const secret of [key, MASTER_KEY, 'sk-upstream-secret-value'])
        expect(logText.includes(secret), `a secret reached the logs; ${replay}`).toBe(false);
      // A refused request is never charged, and the balance is the credits less exactly what was charged.
      // Streams settle just after their last byte: wait for the last hold to go before reading the ledger.
      // (Holds live where the gateway keeps them, in memory on SQLite: read them through its credit accounts.)
      await waitFor(async () => {
        const stored = await gateway.billing.storage.keys.getById(id);
        if (stored === undefined) return undefined;
        return (await gateway.billing.credits.current(stored)).reserved === 0 ? true : undefined;
      });
      await gateway.flush();
      const charged: { status: number; cost: number }[] = [];
      let before: { time: number; requestId: string } | undefined;
      for (;;) {
        const page = await gateway.billing.storage.usage.list({
          keyId: id,
          limit: 1000,
          ...(before ? { before } : {}),
        });
        charged.push(...page.filter((row) => row.cost > 0).map((row) => ({ status: row.status, cost: row.cost })));
        const last = page.at(-1);
        if (page.length < 1000 || last === undefined) break;
        before = { time: last.time, requestId: last.requestId };
      }
      expect(
        charged.filter((row) => row.status >= 400),
        replay,
      ).toEqual([]);
      const fuzzer = await gateway.billing.storage.keys.getById(id);
      expect(fuzzer, replay).toMatchObject({
        balance: 1000_000_000 - charged.reduce((sum, row) => sum + row.cost, 0),
        reserved: 0,
      });
      // The corpus reaches past the decoders: some requests are served, most are refused.
      expect(statuses.get(200) ?? 0, replay).toBeGreaterThan(COUNT / 50);
      expect(statuses.get(400) ?? 0, replay).toBeGreaterThan(COUNT / 4);
    },
    Math.max(120_000, COUNT * 30),
  );
  it('answers byte-level mangled requests below 500 or closes, and stays up', async () => {
    const { key } = await gateway.createKey({ name: 'raw-fuzzer', credits: 10 });
    const random = new Random(SEED + 1);
    const corpus = Array.from({ length: RAW_COUNT }, (_, index) => buildRawRequest(random, index, key));
    const port = Number(new URL(gateway.url).port);
    /** What came back before the server closed, or before 400 ms (a request still waiting for bytes is legal). */
    const exchange = (bytes: Buffer) =>
      new Promise<string>((resolve) => {
        let received = '';
        const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
        socket.on('data', (chunk: Buffer) => {
          received += chunk.toString('latin1');
        });
        socket.on('error', () => {});
        const timer = setTimeout(() => {
          socket.destroy();
          resolve(received);
        }, 400);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(received);
        });
      });
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < corpus.length) {
        const request = corpus[next++];
        if (request === undefined) break;
        const received = await exchange(request.bytes);
        for (const [, status] of received.matchAll(/HTTP\/1\.[01] (\d{3})/g)) {
          if (Number(status) >= 500)
            failures.push(`#${request.index} [${request.mutations.join('; ')}]: ${received.slice(0, 300)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const replay = `replay with FUZZ_SEED=${SEED} FUZZ_COUNT=${COUNT}`;
    expect(failures.slice(0, 10), `${failures.length} bad answers; ${replay}`).toEqual([]);
    expect((await fetch(`${gateway.url}/health/live`)).status, replay).toBe(200);
    expect(unhandled.map(String), replay).toEqual([]);
  }, 60_000);
});
