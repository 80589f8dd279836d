/**
 * The request log with billing off (`BILLING_ENABLED=false`): it opens storage of its own in the configured
 * database — a SQLite file under the data directory, or Postgres with DATABASE_URL — so an operator without
 * virtual keys still gets `/admin/requests`; rows survive a restart; `REQUEST_LOG_ENABLED=false` turns it off.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { openGatewayObservability } from '../../src/server/observability/open-observability.js';
import { dropSchema } from '../../src/storage/testing/service-cleanup.js';
import { describeWithServices } from '../../src/storage/testing/service-env.js';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith, MASTER_KEY, writeGatewayConfig } from './billing-harness.js';
import { type Harness, startGateway } from './gateway-harness.js';

type Json = Record<string, unknown>;

describe('request log without billing, on SQLite under the data directory', () =>
  withoutBillingSuite(() => ({
    env: { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-nobill-')) },
    cleanup: async () => {},
  })));

describeWithServices(['DATABASE_URL'], 'request log without billing, on Postgres', (urls) =>
  withoutBillingSuite(() => {
    const schema = `lg_test_${Math.random().toString(36).slice(2, 10)}`;
    return {
      env: {
        LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-nobill-')),
        DATABASE_URL: urls.DATABASE_URL,
        DATABASE_SCHEMA: schema,
      },
      async cleanup() {
        await dropSchema(urls.DATABASE_URL, schema);
      },
    };
  }),
);

function withoutBillingSuite(makeStorage: () => { env: Record<string, string>; cleanup(): Promise<void> }) {
  let upstream: MockUpstream;
  let configFile: string;
  let storage: { env: Record<string, string>; cleanup(): Promise<void> };
  const running: Harness[] = [];

  const start = async (extra: Record<string, string> = {}): Promise<Harness> => {
    const env = {
      ...storage.env,
      BILLING_ENABLED: 'false',
      LLAMAGATE_MASTER_KEY: MASTER_KEY,
      METRICS_ENABLED: 'false',
      ...extra,
    };
    const loaded = loadConfig({ env, dotenvFile: false, configFile });
    const observability = await openGatewayObservability(loaded.config, env);
    const harness = await startGateway({
      env,
      configFile,
      server: observability === undefined ? {} : { observability },
    });
    running.push(harness);
    return harness;
  };

  const get = async (harness: Harness, path: string) => {
    const response = await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    return { status: response.status, body: (await response.json()) as Json };
  };

  beforeAll(async () => {
    storage = makeStorage();
    upstream = await startMockUpstream(answerWith());
    configFile = writeGatewayConfig(upstream.url);
  });
  afterEach(async () => {
    for (const harness of running.splice(0)) await harness.close();
  });
  afterAll(async () => {
    await upstream?.close();
    await storage?.cleanup();
  });

  it('logs each model call with its attempt, in storage of its own that outlives a restart', async () => {
    const first = await start();
    const answer = await first
      .client(MASTER_KEY)
      .chat.completions.create({
        model: 'mock-1',
        messages: [{ role: 'user', content: 'hi' }],
      })
      .withResponse();
    const id = answer.response.headers.get('x-request-id');
    // Closing drains the server and flushes the request log's writer into its storage.
    await first.close();

    const second = await start();
    const listed = await get(second, '/admin/requests');
    expect(listed.status).toBe(200);
    expect(
      (listed.body.data as Json[]).map((row) => [row.id, row.route, row.status, row.backend, row.attempts]),
    ).toEqual([[id, '/v1/chat/completions', 200, 'local', 1]]);
    const detail = await get(second, `/admin/requests/${id}`);
    expect(detail.body.attempts_detail).toEqual([
      {
        backend: 'local',
        model: 'mock-1',
        status: 200,
        latency_ms: expect.any(Number),
        error_code: null,
        error_message: null,
      },
    ]);
    expect(detail.body.usage).toEqual({
      input_tokens: 100,
      output_tokens: 50,
      cached_tokens: null,
      reasoning_tokens: null,
      estimated: false,
    });
  });

  it('is off with REQUEST_LOG_ENABLED=false: no request-log API', async () => {
    const harness = await start({ REQUEST_LOG_ENABLED: 'false' });
    await harness
      .client(MASTER_KEY)
      .chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] });
    expect((await get(harness, '/admin/requests')).status).toBe(404);
  });
}
