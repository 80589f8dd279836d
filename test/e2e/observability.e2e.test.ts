/**
 * Metrics and the request log end to end: real requests from the official openai client through the real
 * gateway (billing on SQLite, or Postgres + Redis), then `/metrics` and the request-log API read back what
 * happened — exact metric families and labels, the attempt trail, filters, pagination, tenant scoping and
 * redaction of captured bodies.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropServiceState } from '../../src/storage/testing/service-cleanup.js';
import { describeWithServices } from '../../src/storage/testing/service-env.js';
import { type MockUpstream, sendJson, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import {
  answerWith,
  type BillingGateway,
  MASTER_KEY,
  startBillingGateway,
  waitFor,
  writeGatewayConfig,
} from './billing-harness.js';

interface Storage {
  env: Record<string, string>;
  /** Credit leases hold the credits (Postgres + Redis), so their events are counted. */
  creditLeases?: boolean;
  cleanup(): Promise<void>;
}

describe('observability on SQLite', () =>
  observabilitySuite(() => ({
    env: { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-observe-')) },
    cleanup: async () => {},
  })));

describeWithServices(['DATABASE_URL', 'REDIS_URL'], 'observability on Postgres + Redis', (urls) =>
  observabilitySuite(() => {
    const suffix = Math.random().toString(36).slice(2, 10);
    const schema = `lg_test_${suffix}`;
    return {
      env: {
        DATABASE_URL: urls.DATABASE_URL,
        DATABASE_SCHEMA: schema,
        REDIS_URL: urls.REDIS_URL,
        REDIS_KEY_PREFIX: `lgtest:${suffix}:`,
      },
      creditLeases: true,
      async cleanup() {
        await dropServiceState({
          databaseUrl: urls.DATABASE_URL,
          schema,
          redisUrl: urls.REDIS_URL,
          redisKeyPrefix: `lgtest:${suffix}:`,
        });
      },
    };
  }),
);

/** The sample lines of one family, without HELP/TYPE. */
function samples(text: string, family: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${family}{`) || line.startsWith(`${family} `));
}

type Json = Record<string, unknown>;

function observabilitySuite(makeStorage: () => Storage) {
  let upstream: MockUpstream;
  let storage: Storage;
  let gateway: BillingGateway;
  let alice: { key: string; id: string };
  let bob: { key: string; id: string };
  const ids: Record<string, string> = {};

  const get = async (path: string, credential: string | null = MASTER_KEY) => {
    const response = await fetch(`${gateway.url}${path}`, {
      headers: credential === null ? {} : { authorization: `Bearer ${credential}` },
    });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) as Json };
  };

  beforeAll(async () => {
    upstream = await startMockUpstream();
    const answer = answerWith();
    const slowAnswer = answerWith({ delayMs: 400 });
    upstream.handle(async (request, response) => {
      const model = (request.body as { model?: string } | undefined)?.model;
      if (model === 'mock-broken') {
        sendJson(response, 500, { error: { message: 'the model fell over', type: 'server_error' } });
        return;
      }
      await (model === 'mock-slow' ? slowAnswer : answer)(request, response);
    });
    storage = makeStorage();
    gateway = await startBillingGateway({
      env: {
        ...storage.env,
        CACHE_ENABLED: 'false',
        METRICS_TOKEN: 'metrics-secret',
        LOG_BODIES: 'errors',
        LOG_REDACT_PATTERNS: 'hunter[0-9]+',
        MAX_RETRIES: '0',
      },
      configFile: writeGatewayConfig(upstream.url),
      observe: true,
    });
    alice = await gateway.createKey({ name: 'alice', credits: 10 });
    bob = await gateway.createKey({ name: 'bob', credits: 10 });

    const aliceClient = gateway.client(alice.key);
    const plain = await aliceClient.chat.completions
      .create({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    ids.plain = plain.response.headers.get('x-request-id') ?? '';
    const stream = await aliceClient.chat.completions
      .create({
        model: 'mock-1',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    ids.stream = stream.response.headers.get('x-request-id') ?? '';
    for await (const _ of stream.data) {
      // drained
    }
    const failed = await gateway
      .client(bob.key)
      .chat.completions.create({
        model: 'mock-broken',
        messages: [{ role: 'user', content: 'my password is hunter42 and my key sk-abcdefghijklmnopqrstuv' }],
        user: 'sk-lg-notreallyakeybutlookslikeone',
      })
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(APIError);
    ids.failed = (failed as APIError).headers?.get('x-request-id') ?? '';
    await gateway.billing.storage.requestLogWriter.flush();
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await storage?.cleanup();
  });

  it('serves /metrics to the master key or METRICS_TOKEN only', async () => {
    expect((await get('/metrics', null)).status).toBe(401);
    expect((await get('/metrics', alice.key)).status).toBe(401);
    expect((await get('/metrics', 'metrics-secret')).status).toBe(200);
    const byMaster = await get('/metrics');
    expect(byMaster.status).toBe(200);
    expect(byMaster.text).toContain('process_cpu_user_seconds_total');
  });

  it('counts requests by route, format, model, backend, status class and error type', async () => {
    const { text } = await get('/metrics', 'metrics-secret');
    expect(samples(text, 'llamagate_requests_total').filter((line) => line.includes('/v1/chat/completions'))).toEqual([
      'llamagate_requests_total{route="/v1/chat/completions",format="openai-chat",model="mock-1",backend="local",status_class="2xx",error_type="none"} 2',
      'llamagate_requests_total{route="/v1/chat/completions",format="openai-chat",model="other",backend="local",status_class="5xx",error_type="provider_error"} 1',
    ]);
    expect(samples(text, 'llamagate_tokens_total')).toEqual([
      'llamagate_tokens_total{model="mock-1",backend="local",direction="input"} 200',
      'llamagate_tokens_total{model="mock-1",backend="local",direction="output"} 100',
    ]);
    expect(samples(text, 'llamagate_cost_microdollars_total')).toEqual([
      'llamagate_cost_microdollars_total{model="mock-1",backend="local"} 5000',
    ]);
    expect(samples(text, 'llamagate_upstream_attempt_duration_seconds_count')).toEqual([
      'llamagate_upstream_attempt_duration_seconds_count{backend="local",outcome="success"} 2',
      'llamagate_upstream_attempt_duration_seconds_count{backend="local",outcome="provider_error"} 1',
    ]);
    expect(samples(text, 'llamagate_gateway_overhead_seconds_count')).toEqual([
      'llamagate_gateway_overhead_seconds_count{route="/v1/chat/completions"} 3',
    ]);
    expect(samples(text, 'llamagate_time_to_first_token_seconds_count')).toEqual([
      'llamagate_time_to_first_token_seconds_count{model="mock-1",backend="local"} 1',
    ]);
    expect(samples(text, 'llamagate_backend_circuit_state')).toEqual([
      'llamagate_backend_circuit_state{backend="local"} 0',
      'llamagate_backend_circuit_state{backend="ollama"} 0',
    ]);
    expect(text).toContain('# TYPE llamagate_request_duration_seconds histogram');
    expect(text).toContain('llamagate_gateway_overhead_seconds_bucket{le="0.0001",route="/v1/chat/completions"}');
    expect(samples(text, 'llamagate_active_requests')).toEqual(['llamagate_active_requests 1']);
    // Credit leases: this one process took slices with a few Redis calls, and nothing pressed or was pressed.
    const leaseEvents = samples(text, 'llamagate_credit_lease_events_total').map((line) =>
      line.replace(/ \d+$/, (count) => (count === ' 0' ? ' 0' : ' n')),
    );
    expect(leaseEvents).toEqual(
      storage.creditLeases
        ? [
            'llamagate_credit_lease_events_total{event="call"} n',
            'llamagate_credit_lease_events_total{event="call_failed"} 0',
            'llamagate_credit_lease_events_total{event="pressure_sent"} 0',
            'llamagate_credit_lease_events_total{event="pressure_received"} 0',
            'llamagate_credit_lease_events_total{event="retry_admitted"} 0',
            'llamagate_credit_lease_events_total{event="retry_refused"} 0',
          ]
        : [],
    );
  });

  it('lists requests newest first with their attempt count, and filters them', async () => {
    const all = (await get('/admin/requests')).json();
    const rows = all.data as Json[];
    expect(rows.map((row) => row.id)).toEqual([ids.failed, ids.stream, ids.plain]);
    expect(all.next_cursor).toBeNull();
    const plain = rows[2] as Json;
    expect({ ...plain, time: 'T', latency_ms: 'L' }).toEqual({
      id: ids.plain,
      client_request_id: null,
      time: 'T',
      key_id: alice.id,
      route: '/v1/chat/completions',
      format: 'openai-chat',
      model: 'mock-1',
      backend: 'local',
      status: 200,
      error_type: null,
      error_code: null,
      latency_ms: 'L',
      ttfc_ms: null,
      stream: false,
      cache: null,
      input_tokens: 100,
      output_tokens: 50,
      cost_usd: '0.002500',
      attempts: 1,
    });
    expect((rows[1] as Json).stream).toBe(true);
    expect(typeof (rows[1] as Json).ttfc_ms).toBe('number');
    const ofStatus = (await get('/admin/requests?status=5xx')).json();
    expect((ofStatus.data as Json[]).map((row) => [row.id, row.error_type, row.error_code])).toEqual([
      [ids.failed, 'provider_error', 'upstream_error'],
    ]);
    const byKey = (await get(`/admin/requests?key_id=${alice.id}&status=200`)).json();
    expect((byKey.data as Json[]).map((row) => row.id)).toEqual([ids.stream, ids.plain]);
    const byType = (await get('/admin/requests?error_type=provider_error&model=mock-broken&backend=local')).json();
    expect((byType.data as Json[]).map((row) => row.id)).toEqual([ids.failed]);
    const slow = (await get('/admin/requests?min_latency_ms=600000')).json();
    expect(slow.data).toEqual([]);
    const future = (await get(`/admin/requests?from=${Date.now() + 60_000}`)).json();
    expect(future.data).toEqual([]);
  });

  it('pages with a cursor and rejects bad parameters with 400', async () => {
    const first = (await get('/admin/requests?limit=2')).json();
    expect((first.data as Json[]).map((row) => row.id)).toEqual([ids.failed, ids.stream]);
    expect(typeof first.next_cursor).toBe('string');
    const second = (await get(`/admin/requests?limit=2&cursor=${String(first.next_cursor)}`)).json();
    expect((second.data as Json[]).map((row) => row.id)).toEqual([ids.plain]);
    expect(second.next_cursor).toBeNull();
    for (const query of ['cursor=nonsense', 'limit=0', 'limit=abc', 'status=7xx', 'status=42', 'from=yesterday']) {
      const response = await get(`/admin/requests?${query}`);
      expect([query, response.status]).toEqual([query, 400]);
    }
    expect((await get('/admin/requests', alice.key)).status).toBe(401);
  });

  it('shows one request with its attempt waterfall and redacted bodies captured for errors only', async () => {
    const failed = (await get(`/admin/requests/${ids.failed}`)).json();
    expect(failed.attempts_detail).toEqual([
      {
        backend: 'local',
        model: 'mock-broken',
        status: 500,
        latency_ms: expect.any(Number),
        error_code: 'upstream_error',
        error_message: expect.stringContaining('the model fell over'),
      },
    ]);
    const requestBody = String(failed.request_body);
    expect(requestBody).toContain('"model":"mock-broken"');
    expect(requestBody).toContain('my password is [REDACTED] and my key [REDACTED]');
    expect(requestBody).not.toContain('hunter42');
    expect(requestBody).not.toContain('sk-lg-notreally');
    expect(JSON.parse(String(failed.response_body))).toMatchObject({ error: { code: 'upstream_error' } });
    const plain = (await get(`/admin/requests/${ids.plain}`)).json();
    expect(plain.request_body).toBeNull();
    expect(plain.response_body).toBeNull();
    expect(plain.usage).toEqual({
      input_tokens: 100,
      output_tokens: 50,
      cached_tokens: null,
      reasoning_tokens: null,
      estimated: false,
    });
    expect((await get('/admin/requests/no-such-request')).status).toBe(404);
  });

  it("lets a key see its own requests through /v1/requests, never another key's", async () => {
    const mine = (await get('/v1/requests', alice.key)).json();
    expect((mine.data as Json[]).map((row) => row.id)).toEqual([ids.stream, ids.plain]);
    const sneaky = (await get(`/v1/requests?key_id=${bob.id}`, alice.key)).json();
    expect((sneaky.data as Json[]).map((row) => row.id)).toEqual([ids.stream, ids.plain]);
    expect((await get(`/v1/requests/${ids.failed}`, alice.key)).status).toBe(404);
    expect(((await get(`/v1/requests/${ids.failed}`, bob.key)).json().attempts_detail as Json[]).length).toBe(1);
    expect((await get('/v1/requests', null)).status).toBe(401);
  });
  it('counts a request in flight as active and its stream as open until it ends', async () => {
    const gauges = async () => {
      const { text } = await get('/metrics', 'metrics-secret');
      return [...samples(text, 'llamagate_active_requests'), ...samples(text, 'llamagate_open_streams')];
    };
    const stream = await gateway.client(alice.key).chat.completions.create({
      model: 'mock-slow',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const chunks = stream[Symbol.asyncIterator]();
    await chunks.next();
    expect(await gauges()).toEqual(['llamagate_active_requests 2', 'llamagate_open_streams 1']);
    while (!(await chunks.next()).done) {
      // drained
    }
    expect(
      await waitFor(async () => {
        const now = await gauges();
        return now[1] === 'llamagate_open_streams 0' ? now : undefined;
      }),
    ).toEqual(['llamagate_active_requests 1', 'llamagate_open_streams 0']);
  });
}
