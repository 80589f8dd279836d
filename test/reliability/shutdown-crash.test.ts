/**
 * The real `llamagate serve` process under load with SQLite billing: SIGTERM lets every request in flight
 * (streams and plain) finish and leaves one usage row per request served; SIGKILL mid-stream leaves a file
 * that opens again with every committed row intact and the money consistent, and the restarted gateway serves.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, SQLITE_FILE_NAME, type Storage } from '../../src/storage/index.js';
import { type FaultUpstream, startFaultUpstream } from '../../src/test-support/fault-upstream.js';
import { MASTER_KEY, waitFor } from '../e2e/billing-harness.js';
import { type GatewayProcess, spawnGateway } from '../e2e/gateway-process.js';

/** 10 prompt and 5 completion tokens at $10 / $30 per million: 250 µ$ a request. */
const COST = 250;
const CREDITS = 10_000_000;

let upstream: FaultUpstream;
const running: GatewayProcess[] = [];

beforeAll(async () => {
  // Each answer takes ~0.7 s (a word every 120 ms, or 600 ms before a plain answer): long enough to be in flight.
  upstream = await startFaultUpstream({ dripMs: 120 });
});
afterAll(async () => {
  await Promise.all(running.map((gateway) => gateway.stop('SIGKILL')));
  await upstream?.close();
});

function setUp(): { dir: string; configFile: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'lg-shutdown-'));
  const configFile = join(dir, 'llamagate.yaml');
  writeFileSync(
    configFile,
    `defaultBackend: up
backends:
  - { name: up, type: openai-compatible, config: { endpoint: "${upstream.baseUrl('slow-drip', 'openai')}", apiKey: sk-up } }
prices:
  "*": { input: "10.00", output: "30.00" }
`,
  );
  const env = {
    LLAMAGATE_DATA_DIR: dir,
    LLAMAGATE_MASTER_KEY: MASTER_KEY,
    CACHE_ENABLED: 'false',
    RATE_LIMIT_RPS: '100000',
    METRICS_ENABLED: 'false',
  };
  return { dir, configFile, env };
}

async function start(configFile: string, env: Record<string, string>): Promise<GatewayProcess> {
  const gateway = await spawnGateway(configFile, env);
  running.push(gateway);
  return gateway;
}

async function createKey(url: string): Promise<{ key: string; id: string }> {
  const response = await fetch(`${url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'under-load', credits: CREDITS / 1_000_000 }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { key: string; id: string };
}

/** One chat completion, streamed or not; resolves with the status and the whole text the client received. */
async function chat(url: string, key: string, stream: boolean): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fault-model', stream, messages: [{ role: 'user', content: 'hi' }], max_tokens: 50 }),
    // A request the gateway drops or never finishes fails the test here, not at the test's timeout.
    signal: AbortSignal.timeout(20_000),
  });
  const body = await response.text();
  if (!stream || response.status !== 200) {
    const parsed = JSON.parse(body) as { choices?: { message: { content: string } }[] };
    return { status: response.status, text: parsed.choices?.[0]?.message.content ?? body };
  }
  expect(body.endsWith('data: [DONE]\n\n')).toBe(true);
  const text = body
    .split('\n\n')
    .filter((event) => event.startsWith('data: {'))
    .map((event) => {
      const chunk = JSON.parse(event.slice(6)) as { choices?: { delta: { content?: string } }[]; error?: unknown };
      if (chunk.error !== undefined) return `[error ${JSON.stringify(chunk.error)}]`;
      return chunk.choices?.[0]?.delta.content ?? '';
    })
    .join('');
  return { status: response.status, text };
}

/** The key's money: its balance, open holds and lifetime spend, and what its credit ledger says was charged. */
async function money(storage: Storage, id: string) {
  const key = await storage.keys.getById(id);
  const charges = (await storage.keys.creditHistory(id, { limit: 1000 })).filter((entry) => entry.kind === 'usage');
  const charged = charges.reduce((sum, entry) => sum - entry.delta, 0);
  return { key, charges: charges.length, charged };
}

describe('llamagate serve under load', () => {
  it('SIGTERM: every request in flight completes, and each one served has its usage row after exit', async () => {
    const { dir, configFile, env } = setUp();
    const gateway = await start(configFile, env);
    const { key, id } = await createKey(gateway.url);
    const before = upstream.calls.length;
    const modes = Array.from({ length: 40 }, (_, index) => index % 2 === 0);
    const requests = modes.map((stream) => chat(gateway.url, key, stream));
    // Every request has reached the upstream and is waiting on its slow answer when the signal lands.
    await waitFor(() => (upstream.calls.length - before >= modes.length ? true : undefined), 15_000);
    const stopped = gateway.stop('SIGTERM');
    const answers = await Promise.all(requests);
    expect(answers).toEqual(modes.map(() => ({ status: 200, text: 'Hello from the fault upstream.' })));
    expect(await stopped).toEqual({ code: 0, signal: null });
    expect(gateway.logs.map((line) => line.msg)).toContain('shutting down');

    const storage = await openStorage({ dataDir: dir });
    try {
      const rows = await storage.usage.list({ keyId: id, limit: 1000 });
      expect(rows.map((row) => [row.status, row.cost])).toEqual(modes.map(() => [200, COST]));
      expect(new Set(rows.map((row) => row.requestId)).size).toBe(modes.length);
      const after = await money(storage, id);
      expect(after).toMatchObject({ charges: modes.length, charged: modes.length * COST });
      expect(after.key).toMatchObject({ balance: CREDITS - modes.length * COST, reserved: 0 });
    } finally {
      await storage.close();
    }
  }, 60_000);

  it('SIGKILL mid-stream: the file opens again, committed rows are intact, the money adds up, and it serves', async () => {
    const { dir, configFile, env } = setUp();
    const first = await start(configFile, env);
    const { key, id } = await createKey(first.url);
    // Ten requests finish and their rows reach the file (the writer flushes about every second).
    const done = await Promise.all(Array.from({ length: 10 }, (_, index) => chat(first.url, key, index % 2 === 0)));
    expect(done.map((answer) => answer.status)).toEqual(done.map(() => 200));
    const reader = await openStorage({ dataDir: dir });
    try {
      await waitFor(async () => ((await reader.usage.list({ keyId: id })).length >= 10 ? true : undefined), 10_000);
    } finally {
      await reader.close();
    }

    const before = upstream.calls.length;
    const killed = Array.from({ length: 30 }, (_, index) =>
      chat(first.url, key, index % 3 !== 0).catch((error: unknown) => ({ status: 0, text: String(error) })),
    );
    await waitFor(() => (upstream.calls.length - before >= 30 ? true : undefined), 15_000);
    expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    const cut = await Promise.all(killed);
    // A client never receives a made-up success: cut streams end without [DONE] (the fetch fails).
    expect(
      cut.filter((answer) => answer.status === 200 && answer.text === 'Hello from the fault upstream.').length,
    ).toBeLessThan(30);

    const file = new Database(join(dir, SQLITE_FILE_NAME), { readonly: true });
    try {
      expect(file.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      file.close();
    }

    const second = await start(configFile, env);
    expect((await fetch(`${second.url}/health/live`)).status).toBe(200);
    expect(await chat(second.url, key, false)).toEqual({ status: 200, text: 'Hello from the fault upstream.' });
    expect(await second.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const storage = await openStorage({ dataDir: dir });
    try {
      const rows = await storage.usage.list({ keyId: id, limit: 1000 });
      // The ten committed before the kill and the one after it are there, whole; nothing is duplicated.
      expect(rows.length).toBeGreaterThanOrEqual(11);
      expect(rows.length).toBeLessThanOrEqual(41);
      expect(new Set(rows.map((row) => row.requestId)).size).toBe(rows.length);
      for (const row of rows) {
        expect(row).toMatchObject({ keyId: id, model: 'fault-model' });
        expect(Number.isInteger(row.cost) && row.cost >= 0 && row.cost <= COST).toBe(true);
        expect(Number.isInteger(row.time)).toBe(true);
      }
      expect(rows.filter((row) => row.status === 200 && row.cost === COST).length).toBeGreaterThanOrEqual(11);
      // Every charge is in the credit ledger and in the balance: one transaction each, none half-written.
      const after = await money(storage, id);
      expect(after.key?.balance).toBe(CREDITS - after.charged);
      expect(after.key?.totalSpent).toBe(after.charged);
      expect(after.charged).toBeGreaterThanOrEqual(11 * COST);
      expect(after.key?.balance).toBeGreaterThanOrEqual(0);
    } finally {
      await storage.close();
    }
  }, 90_000);
});
