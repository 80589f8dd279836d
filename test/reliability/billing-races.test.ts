/**
 * 200 requests at once on one key that can pay for exactly N of them: exactly N are served and charged once
 * each, the rest get 402, the balance never goes below zero at any step of the credit ledger, and every request
 * leaves one usage row. On SQLite (one gateway), and on two `llamagate serve` processes sharing Postgres + Redis.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage, SQLITE_FILE_NAME, type Storage } from '../../src/storage/index.js';
import { dropServiceState } from '../../src/storage/testing/service-cleanup.js';
import { describeWithServices } from '../../src/storage/testing/service-env.js';
import { type FaultUpstream, startFaultUpstream } from '../../src/test-support/fault-upstream.js';
import { type BillingGateway, MASTER_KEY, startBillingGateway, waitFor } from '../e2e/billing-harness.js';
import { type GatewayProcess, spawnGateway } from '../e2e/gateway-process.js';

const CONCURRENCY = 200;
/** Output-only pricing and `max_tokens` equal to what the upstream reports: each hold is exactly the cost. */
const COST = 500;
const AFFORDABLE = 37;

let upstream: FaultUpstream;

beforeAll(async () => {
  upstream = await startFaultUpstream({ usage: { prompt: 10, completion: 5 } });
});
afterAll(async () => {
  await upstream?.close();
});

function writeConfig(): { dir: string; configFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lg-races-'));
  const configFile = join(dir, 'llamagate.yaml');
  writeFileSync(
    configFile,
    `defaultBackend: up
backends:
  - { name: up, type: openai-compatible, config: { endpoint: "${upstream.baseUrl('ok', 'openai')}", apiKey: sk-up } }
prices:
  "*": { input: "0", output: "100.00" }
`,
  );
  return { dir, configFile };
}

async function createKey(url: string, name: string): Promise<{ key: string; id: string }> {
  const response = await fetch(`${url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, credits: (AFFORDABLE * COST) / 1_000_000 }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { key: string; id: string };
}

/** One request, streamed or not; resolves with its status (a stream must also finish with [DONE]). */
async function spend(url: string, key: string, stream: boolean): Promise<number> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fault-model', stream, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = await response.text();
  if (response.status === 200 && stream && !body.endsWith('data: [DONE]\n\n')) return -1;
  if (response.status === 402) expect(JSON.parse(body)).toMatchObject({ error: { code: 'insufficient_quota' } });
  return response.status;
}

const HOSTILE = `x'); DROP TABLE keys; -- "; DELETE FROM usage; /* ' OR '1'='1`;

/**
 * Hostile strings in a key's name and metadata and in model names are stored and read back as data; a NUL in a
 * model name (Postgres text cannot hold one) is stored as `nulStoredAs` and never costs the batch's other rows.
 */
async function hostileRoundTrip(url: string, storage: Storage, nulStoredAs: string): Promise<void> {
  const admin = (body: unknown) =>
    fetch(`${url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const response = await admin({ name: HOSTILE, credits: 1, metadata: { [HOSTILE]: HOSTILE } });
  expect(response.status).toBe(201);
  const { key, id } = (await response.json()) as { key: string; id: string };
  const refused = await admin({ name: 'nul\u0000name', credits: 1 });
  expect([refused.status, await refused.json()]).toEqual([
    400,
    expect.objectContaining({ error: expect.objectContaining({ code: 'invalid_request', param: 'body' }) }),
  ]);
  const models = [`up/${HOSTILE}`, 'up/nul\u0000model', 'up/plain'];
  const statuses = await Promise.all(
    models.map(async (model) => {
      const chat = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: HOSTILE }] }),
      });
      await chat.arrayBuffer();
      return chat.status;
    }),
  );
  expect(statuses).toEqual([200, 200, 200]);
  expect(await storage.keys.getById(id)).toMatchObject({ name: HOSTILE, metadata: { [HOSTILE]: HOSTILE } });
  const rows = await waitFor(async () => {
    const listed = await storage.usage.list({ keyId: id });
    return listed.length >= models.length ? listed : undefined;
  }, 10_000);
  expect(rows.map((row) => row.model).sort()).toEqual(
    [`up/${HOSTILE}`, `up/nul${nulStoredAs}model`, 'up/plain'].sort(),
  );
  // Lookups by a NUL-bearing id or filter find nothing; they never fail.
  const lookups = await Promise.all(
    [
      [MASTER_KEY, '/admin/keys/%00'],
      [MASTER_KEY, '/admin/usage/records?key_id=%00&model=a%00b'],
      [MASTER_KEY, '/admin/usage?key_id=%00'],
      [key, '/v1/responses/%00'],
    ].map(async ([secret, path]) => {
      const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${secret}` } });
      await response.arrayBuffer();
      return `${path} ${response.status}`;
    }),
  );
  expect(lookups).toEqual([
    '/admin/keys/%00 404',
    '/admin/usage/records?key_id=%00&model=a%00b 200',
    '/admin/usage?key_id=%00 200',
    '/v1/responses/%00 404',
  ]);
}

/** Everything the race (of `requests` requests) left behind, as one comparable object. */
async function aftermath(storage: Storage, id: string, requests = CONCURRENCY) {
  // A request's row is written after its hold is settled: with every row in, every settlement is done.
  const rows = await waitFor(async () => {
    const listed = await storage.usage.list({ keyId: id, limit: 1000 });
    return listed.length >= requests ? listed : undefined;
  }, 10_000);
  const key = await storage.keys.getById(id);
  const history = await storage.keys.creditHistory(id, { limit: 1000 });
  const charges = history.filter((entry) => entry.kind === 'usage');
  return {
    balance: key?.balance,
    reserved: key?.reserved,
    totalSpent: key?.totalSpent,
    charges: charges.length,
    chargedEach: [...new Set(charges.map((entry) => -entry.delta))],
    chargedRequests: new Set(charges.map((entry) => entry.requestId)).size,
    lowestBalance: Math.min(...history.map((entry) => entry.balanceAfter)),
    rows: rows.length,
    rowRequests: new Set(rows.map((row) => row.requestId)).size,
    servedRows: rows.filter((row) => row.status === 200 && row.cost === COST).length,
    refusedRows: rows.filter((row) => row.status === 402 && row.cost === 0).length,
  };
}

const EXPECTED = {
  balance: 0,
  reserved: 0,
  totalSpent: AFFORDABLE * COST,
  charges: AFFORDABLE,
  chargedEach: [COST],
  chargedRequests: AFFORDABLE,
  lowestBalance: 0,
  rows: CONCURRENCY,
  rowRequests: CONCURRENCY,
  servedRows: AFFORDABLE,
  refusedRows: CONCURRENCY - AFFORDABLE,
};

const statusCounts = (statuses: number[]) =>
  Object.fromEntries(
    [...new Set(statuses)].sort().map((status) => [status, statuses.filter((s) => s === status).length]),
  );

describe('200-way race for the last credits on SQLite', () => {
  let gateway: BillingGateway;
  let dataDir: string;
  beforeAll(async () => {
    const { dir, configFile } = writeConfig();
    dataDir = dir;
    gateway = await startBillingGateway({
      env: { LLAMAGATE_DATA_DIR: dir, CACHE_ENABLED: 'false', RATE_LIMIT_RPS: '100000' },
      configFile,
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it(`serves exactly ${AFFORDABLE} of ${CONCURRENCY}, charges each once, never overdraws, one row per request`, async () => {
    const { key, id } = await createKey(gateway.url, 'race-sqlite');
    const statuses = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, index) => spend(gateway.url, key, index % 2 === 0)),
    );
    expect(statusCounts(statuses)).toEqual({ 200: AFFORDABLE, 402: CONCURRENCY - AFFORDABLE });
    await gateway.flush();
    expect(await aftermath(gateway.billing.storage, id)).toEqual(EXPECTED);
    // Keys are stored hashed: the secret is nowhere in the database file or its write-ahead log.
    const file = join(dataDir, SQLITE_FILE_NAME);
    const bytes = Buffer.concat(
      [file, `${file}-wal`].filter((path) => existsSync(path)).map((path) => readFileSync(path)),
    );
    expect(bytes.includes(id)).toBe(true);
    expect(bytes.includes(key)).toBe(false);
    expect(JSON.stringify(gateway.logs).includes(key)).toBe(false);
  }, 60_000);

  it('stores SQL-looking names, metadata and model names as data; a NUL never fails a batch', async () => {
    await hostileRoundTrip(gateway.url, gateway.billing.storage, '\u0000');
  });
});

describe('output allowances beyond any count', () => {
  let gateway: BillingGateway;
  beforeAll(async () => {
    const { dir, configFile } = writeConfig();
    gateway = await startBillingGateway({ env: { LLAMAGATE_DATA_DIR: dir, CACHE_ENABLED: 'false' }, configFile });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it('a max_tokens of 1e308 or 2^53 is an unaffordable hold (402) on every model route, never a 500', async () => {
    const { key } = await createKey(gateway.url, 'absurd-allowance');
    const user = [{ role: 'user', content: 'hi' }];
    const huge = [1e308, Number.MAX_SAFE_INTEGER];
    const cases = huge.flatMap((limit) => [
      ['/v1/chat/completions', { model: 'fault-model', messages: user, max_tokens: limit }],
      ['/v1/chat/completions', { model: 'fault-model', messages: user, max_completion_tokens: limit }],
      ['/v1/completions', { model: 'fault-model', prompt: 'hi', max_tokens: limit }],
      ['/v1/responses', { model: 'fault-model', input: 'hi', max_output_tokens: limit }],
      ['/v1/messages', { model: 'fault-model', messages: user, max_tokens: limit }],
      ['/api/chat', { model: 'fault-model', messages: user, stream: false, options: { num_predict: limit } }],
      ['/api/generate', { model: 'fault-model', prompt: 'hi', stream: false, options: { num_predict: limit } }],
    ]) as [string, unknown][];
    const statuses = await Promise.all(
      cases.map(async ([path, body]) => {
        const response = await fetch(`${gateway.url}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        await response.arrayBuffer();
        return `${path} ${response.status}`;
      }),
    );
    // The OpenAI decoders refuse more than 2^53 (a 400); every other allowance is priced at the largest count
    // a call can report, a hold no key here can afford.
    expect(statuses).toEqual(cases.map(([path], index) => `${path} ${index < 4 ? 400 : 402}`));
  });
});

describeWithServices(['DATABASE_URL', 'REDIS_URL'], '200-way race across two processes on Postgres + Redis', (urls) => {
  const suffix = Math.random().toString(36).slice(2, 10);
  const schema = `lg_test_races_${suffix}`;
  const redisKeyPrefix = `lgtest:races:${suffix}:`;
  let storage: Storage;
  let a: GatewayProcess;
  let b: GatewayProcess;
  /**
   * a and b hold credits with one Redis script per hold; two more processes with credit leases (the default,
   * decision 0025), slices idle for a third of 2 s given back.
   */
  let leasedA: GatewayProcess;
  let leasedB: GatewayProcess;

  beforeAll(async () => {
    const { configFile } = writeConfig();
    // Migrated once before the processes start, so they do not race on creating the schema.
    storage = await openStorage({ databaseUrl: urls.DATABASE_URL, schema, redisUrl: urls.REDIS_URL, redisKeyPrefix });
    const env = {
      DATABASE_URL: urls.DATABASE_URL,
      DATABASE_SCHEMA: schema,
      REDIS_URL: urls.REDIS_URL,
      REDIS_KEY_PREFIX: redisKeyPrefix,
      LLAMAGATE_MASTER_KEY: MASTER_KEY,
      CACHE_ENABLED: 'false',
      RATE_LIMIT_RPS: '100000',
      METRICS_ENABLED: 'false',
      // Long enough that only the cross-process invalidation can explain a revoke taking effect in time.
      KEY_CACHE_TTL: '60s',
    };
    const perHold = { ...env, BILLING_CREDIT_LEASES: 'false' };
    const leased = { ...env, BILLING_CREDIT_LEASES: 'true', BILLING_LEASE_TTL: '2s' };
    [a, b, leasedA, leasedB] = await Promise.all([
      spawnGateway(configFile, perHold),
      spawnGateway(configFile, perHold),
      spawnGateway(configFile, leased),
      spawnGateway(configFile, leased),
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), leasedA?.stop(), leasedB?.stop()]);
    await storage?.close();
    await dropServiceState({
      databaseUrl: urls.DATABASE_URL,
      schema,
      redisUrl: urls.REDIS_URL,
      redisKeyPrefix,
    });
  }, 30_000);

  it(`serves exactly ${AFFORDABLE} of ${CONCURRENCY} across both, charges each once, never overdraws`, async () => {
    const { key, id } = await createKey(a.url, 'race-shared');
    const statuses = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, index) => spend(index % 2 ? a.url : b.url, key, index % 4 < 2)),
    );
    expect(statusCounts(statuses)).toEqual({ 200: AFFORDABLE, 402: CONCURRENCY - AFFORDABLE });
    expect(await aftermath(storage, id)).toEqual(EXPECTED);
    // Keys are stored hashed: no table of the schema holds the secret, and neither process logged it.
    const client = new pg.Client({ connectionString: urls.DATABASE_URL });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
        [schema],
      );
      let dump = '';
      for (const { table_name: table } of tables.rows)
        dump += JSON.stringify((await client.query(`SELECT * FROM ${schema}."${table}"`)).rows);
      expect(dump.includes(id)).toBe(true);
      expect(dump.includes(key)).toBe(false);
    } finally {
      await client.end();
    }
    expect(JSON.stringify([a.logs, b.logs]).includes(key)).toBe(false);
  }, 90_000);

  it('with credit leases: never overdraws, charges each once, and the rest is served once slices go back', async () => {
    const { key, id } = await createKey(leasedA.url, 'race-leased');
    const statuses = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, index) =>
        spend(index % 2 ? leasedA.url : leasedB.url, key, index % 4 < 2),
      ),
    );
    const served = statuses.filter((status) => status === 200).length;
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThanOrEqual(AFFORDABLE);
    expect(statusCounts(statuses)).toEqual({ 200: served, 402: CONCURRENCY - served });
    expect(await aftermath(storage, id)).toEqual({
      ...EXPECTED,
      balance: (AFFORDABLE - served) * COST,
      totalSpent: served * COST,
      charges: served,
      chargedRequests: served,
      lowestBalance: (AFFORDABLE - served) * COST,
      servedRows: served,
      refusedRows: CONCURRENCY - served,
    });
    // Once both processes have given back their unused slices, what is left is served, to the last credit.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    let more = 0;
    while ((await spend(leasedB.url, key, false)) === 200) more++;
    expect(served + more).toBe(AFFORDABLE);
  }, 90_000);

  it('with credit leases: requests taking turns on the two processes are served to the last credit', async () => {
    const { key, id } = await createKey(leasedA.url, 'turns-leased');
    // Each process's slice outgrows its requests; near the end the one short of credit presses the other to give
    // its unused slice back instead of refusing what the key can still pay.
    let served = 0;
    while ((await spend(served % 2 ? leasedA.url : leasedB.url, key, served % 4 < 2)) === 200) served++;
    expect(served).toBe(AFFORDABLE);
    const requests = AFFORDABLE + 1;
    expect(await aftermath(storage, id, requests)).toEqual({
      ...EXPECTED,
      rows: requests,
      rowRequests: requests,
      refusedRows: 1,
    });
  }, 90_000);

  it('stores SQL-looking names, metadata and model names as data; a NUL never fails a batch', async () => {
    await hostileRoundTrip(a.url, storage, '\ufffd');
  });

  it('a key revoked through one process is refused by the other within milliseconds', async () => {
    const { key, id } = await createKey(a.url, 'revoked-while-racing');
    const probe = async () => {
      const response = await fetch(`${b.url}/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
      await response.arrayBuffer();
      return response.status;
    };
    // b holds the key in its cache, and keeps being asked while a revokes it.
    expect(await probe()).toBe(200);
    const revoked = await fetch(`${a.url}/admin/keys/${id}/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}` },
    });
    expect(revoked.status).toBe(200);
    const started = Date.now();
    await waitFor(async () => ((await probe()) === 401 ? true : undefined), 2000);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
