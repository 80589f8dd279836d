/**
 * Every classic upstream fault maps to a defined status and error code through the real gateway, for an
 * OpenAI-compatible and an Ollama backend, streamed and not; a failed call is never charged and still leaves
 * its ledger row; a client that disconnects aborts the upstream call (issue 18: what held up must keep holding).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setMaxStreamLineLength } from '../../src/provider-utils/stream-limits.js';
import {
  type FaultUpstream,
  startFaultUpstream,
  UPSTREAM_FAULTS,
  type UpstreamFault,
} from '../../src/test-support/fault-upstream.js';
import { type BillingGateway, startBillingGateway, waitFor } from '../e2e/billing-harness.js';

const DIALECTS = [
  { prefix: 'oa', dialect: 'openai', type: 'openai-compatible' },
  { prefix: 'ol', dialect: 'ollama', type: 'ollama' },
] as const;
/** Short enough that stalls cost little test time, long enough for a loaded machine's good answers. */
const STALL_TIMEOUT_MS = 1000;
const LINE_CAP = 64 * 1024;

let upstream: FaultUpstream;
let gateway: BillingGateway;

beforeAll(async () => {
  upstream = await startFaultUpstream({ hugeLineBytes: LINE_CAP * 2 });
  // The process-wide cap the server would set from its configuration; the real parser enforces it.
  setMaxStreamLineLength(LINE_CAP);
  const backends: string[] = [];
  for (const { prefix, dialect, type } of DIALECTS) {
    for (const fault of UPSTREAM_FAULTS) {
      const endpoint = upstream.baseUrl(fault, dialect);
      backends.push(
        `  - { name: ${prefix}-${fault}, type: ${type}, config: { endpoint: "${endpoint}", apiKey: sk-up, timeout: ${fault.startsWith('stall') ? `${STALL_TIMEOUT_MS}ms` : '20s'} } }`,
      );
    }
    // Patient backends for the disconnect tests: only the client going away can end these calls.
    for (const fault of ['stall', 'stall-mid-stream'] as const) {
      const endpoint = upstream.baseUrl(fault, dialect);
      backends.push(
        `  - { name: ${prefix}-patient-${fault}, type: ${type}, config: { endpoint: "${endpoint}", apiKey: sk-up, timeout: 60s } }`,
      );
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'lg-faults-'));
  const configFile = join(dir, 'llamagate.yaml');
  writeFileSync(
    configFile,
    `defaultBackend: oa-ok\nbackends:\n${backends.join('\n')}\nprices:\n  "*fault-model": { input: "10.00", output: "30.00" }\n`,
  );
  gateway = await startBillingGateway({
    env: { LLAMAGATE_DATA_DIR: dir, CACHE_ENABLED: 'false', OLLAMA_HOST: upstream.baseUrl('ok', 'ollama') },
    configFile,
  });
}, 30_000);

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

/** What the client must see: a refusal before any output, an error event inside a started stream, or an answer. */
type Outcome =
  | { status: number; code: string; type: string; retryAfter?: string }
  | { streamError: string }
  | { answer: string };

const REFUSED = {
  unreachable: { status: 502, code: 'upstream_unreachable', type: 'api_error' },
  bad: { status: 502, code: 'upstream_error', type: 'api_error' },
  timeout: { status: 504, code: 'upstream_timeout', type: 'timeout_error' },
} as const;
const FULL_ANSWER = { answer: 'Hello from the fault upstream.' };

/** The defined outcome of each fault, for a non-streamed and a streamed request. */
const EXPECTED: Record<UpstreamFault, { plain: Outcome; stream: Outcome }> = {
  ok: { plain: FULL_ANSWER, stream: FULL_ANSWER },
  'reset-before-headers': { plain: REFUSED.unreachable, stream: REFUSED.unreachable },
  'reset-mid-body': { plain: REFUSED.unreachable, stream: { streamError: 'upstream_unreachable' } },
  stall: { plain: REFUSED.timeout, stream: REFUSED.timeout },
  'stall-mid-stream': { plain: FULL_ANSWER, stream: { streamError: 'upstream_timeout' } },
  'slow-drip': { plain: FULL_ANSWER, stream: FULL_ANSWER },
  'truncated-stream': { plain: FULL_ANSWER, stream: { streamError: 'upstream_error' } },
  'html-200': { plain: REFUSED.bad, stream: REFUSED.bad },
  'empty-200': { plain: REFUSED.bad, stream: REFUSED.bad },
  'invalid-json': { plain: REFUSED.bad, stream: REFUSED.bad },
  'rate-limited': {
    plain: { status: 429, code: 'rate_limit_exceeded', type: 'rate_limit_error', retryAfter: '7' },
    stream: { status: 429, code: 'rate_limit_exceeded', type: 'rate_limit_error', retryAfter: '7' },
  },
  'server-error': {
    plain: { status: 500, code: 'upstream_error', type: 'api_error' },
    stream: { status: 500, code: 'upstream_error', type: 'api_error' },
  },
  overloaded: {
    plain: { status: 503, code: 'service_unavailable', type: 'service_unavailable_error' },
    stream: { status: 503, code: 'service_unavailable', type: 'service_unavailable_error' },
  },
  'huge-line': { plain: FULL_ANSWER, stream: { streamError: 'upstream_line_too_long' } },
};

async function observe(key: string, model: string, stream: boolean): Promise<Outcome> {
  const response = await fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hi' }] }),
  });
  const text = await response.text();
  if (response.status !== 200) {
    const { error } = JSON.parse(text) as { error: { code: string; type: string } };
    const retryAfter = response.headers.get('retry-after');
    return {
      status: response.status,
      code: error.code,
      type: error.type,
      ...(retryAfter === null ? {} : { retryAfter }),
    };
  }
  if (!stream)
    return {
      answer: (JSON.parse(text) as { choices: { message: { content: string } }[] }).choices[0]?.message.content ?? '',
    };
  const events = text
    .split('\n\n')
    .filter((event) => event.startsWith('data: ') && event !== 'data: [DONE]')
    .map(
      (event) =>
        JSON.parse(event.slice(6)) as { error?: { code: string }; choices?: { delta: { content?: string } }[] },
    );
  // Every stream ends with [DONE], failed or not, so a client's loop terminates.
  expect(text.endsWith('data: [DONE]\n\n'), model).toBe(true);
  const failure = events.find((event) => event.error !== undefined);
  if (failure?.error !== undefined) return { streamError: failure.error.code };
  return { answer: events.map((event) => event.choices?.[0]?.delta.content ?? '').join('') };
}

describe('upstream faults through the gateway', () => {
  it('each fault maps to its defined status, code and Retry-After; failures are free and leave one ledger row each', async () => {
    const plainKey = await gateway.createKey({ name: 'faults-plain', credits: 10 });
    const streamKey = await gateway.createKey({ name: 'faults-stream', credits: 10 });
    const cases = DIALECTS.flatMap(({ prefix }) =>
      UPSTREAM_FAULTS.flatMap((fault) =>
        [false, true].map((stream) => ({ model: `${prefix}-${fault}/fault-model`, fault, stream })),
      ),
    );
    // Each fault has its own backend (own breaker), so the cases run at once and the stalls overlap.
    const outcomes = await Promise.all(
      cases.map(({ model, stream }) => observe(stream ? streamKey.key : plainKey.key, model, stream)),
    );
    const seen = Object.fromEntries(
      cases.map((row, index) => [`${row.model} ${row.stream ? 'stream' : 'plain'}`, outcomes[index]]),
    );
    const expected = Object.fromEntries(
      cases.map((row) => [
        `${row.model} ${row.stream ? 'stream' : 'plain'}`,
        EXPECTED[row.fault][row.stream ? 'stream' : 'plain'],
      ]),
    );
    expect(seen).toEqual(expected);

    for (const [key, stream] of [
      [plainKey, false],
      [streamKey, true],
    ] as const) {
      // A stream's row is written just after its last byte: wait until every request has one.
      const rows = await waitFor(async () => {
        await gateway.flush();
        const listed = await gateway.billing.storage.usage.list({ keyId: key.id, limit: 1000 });
        return listed.length >= cases.length / 2 ? listed : undefined;
      });
      expect(rows).toHaveLength(cases.length / 2);
      const full = rows.find((row) => row.model === 'oa-ok/fault-model')?.cost ?? 0;
      expect(full).toBeGreaterThan(0);
      for (const row of rows) {
        const fault = row.model.slice(3, -'/fault-model'.length) as UpstreamFault;
        const outcome = EXPECTED[fault][stream ? 'stream' : 'plain'];
        const seenRow = { model: row.model, status: row.status, charged: row.cost > 0, estimated: row.estimated };
        // As documented: a refused call is free; a stream that broke is charged for what it generated (counted
        // by the gateway, the provider reported nothing), never more than the whole answer.
        if ('status' in outcome)
          expect(seenRow).toEqual({ model: row.model, status: outcome.status, charged: false, estimated: false });
        else if ('streamError' in outcome) {
          expect(seenRow).toEqual({ model: row.model, status: 200, charged: true, estimated: true });
          expect(row.cost).toBeLessThanOrEqual(full);
        } else expect(seenRow).toEqual({ model: row.model, status: 200, charged: true, estimated: false });
      }
      const charged = rows.reduce((sum, row) => sum + row.cost, 0);
      const after = await gateway.billing.storage.keys.getById(key.id);
      expect(after).toMatchObject({ balance: 10_000_000 - charged, reserved: 0 });
    }
  }, 30_000);

  it('every inbound API answers the faults in its own error shape, before and inside a stream', async () => {
    const { key } = await gateway.createKey({ name: 'faults-inbound', credits: 10 });
    const user = [{ role: 'user', content: 'hi' }];
    const APIS = {
      messages: { path: '/v1/messages', body: (model: string) => ({ model, max_tokens: 10, messages: user }) },
      responses: { path: '/v1/responses', body: (model: string) => ({ model, input: 'hi' }) },
      completions: { path: '/v1/completions', body: (model: string) => ({ model, prompt: 'hi' }) },
      'ollama-chat': { path: '/api/chat', body: (model: string) => ({ model, messages: user }) },
    } as const;
    const FAULTS = [
      'reset-before-headers',
      'stall',
      'html-200',
      'rate-limited',
      'server-error',
      'overloaded',
      'truncated-stream',
    ] as const;
    /** A refusal as each format writes it: Anthropic's `{type:"error"}`, Ollama's `{error}`, OpenAI's `{error:{code}}`. */
    const refusal = (api: keyof typeof APIS, status: number, text: string, retryAfter: string | null) => {
      const body = JSON.parse(text) as { type?: string; error: string | { type: string; code?: string } };
      if (api === 'ollama-chat')
        return { status, retryAfter, error: typeof body.error === 'string' ? 'text' : 'object' };
      if (typeof body.error === 'string') return { status, retryAfter, error: 'text' };
      return api === 'messages'
        ? { status, retryAfter, type: body.type, error: body.error.type }
        : { status, retryAfter, error: body.error.code };
    };
    /** How each format ends a stream that broke after it started. */
    const BROKEN_STREAM: Record<keyof typeof APIS, RegExp> = {
      messages: /event: error\ndata: \{"type":"error","error":\{"type":"api_error"/,
      responses: /event: response\.failed\n/,
      completions: /data: \{"error":\{[^\n]*"code":"upstream_error"[^\n]*\n\ndata: \[DONE\]\n\n$/,
      'ollama-chat': /\n\{"error":"[^"]+"\}\n$/,
    };
    const cases = (Object.keys(APIS) as (keyof typeof APIS)[]).flatMap((api) =>
      FAULTS.flatMap((fault) => [false, true].map((stream) => ({ api, fault, stream }))),
    );
    const seen = await Promise.all(
      cases.map(async ({ api, fault, stream }) => {
        const response = await fetch(`${gateway.url}${APIS[api].path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ ...APIS[api].body(`oa-${fault}/fault-model`), stream }),
        });
        const text = await response.text();
        if (response.status !== 200) return refusal(api, response.status, text, response.headers.get('retry-after'));
        return { status: 200, brokenStream: BROKEN_STREAM[api].test(text) };
      }),
    );
    const expected = cases.map(({ api, fault, stream }) => {
      if (fault === 'truncated-stream') return { status: 200, brokenStream: stream };
      const [status, anthropicType, code] = {
        'reset-before-headers': [502, 'api_error', 'upstream_unreachable'],
        stall: [504, 'timeout_error', 'upstream_timeout'],
        'html-200': [502, 'api_error', 'upstream_error'],
        'rate-limited': [429, 'rate_limit_error', 'rate_limit_exceeded'],
        'server-error': [500, 'api_error', 'upstream_error'],
        overloaded: [503, 'overloaded_error', 'service_unavailable'],
      }[fault] as [number, string, string];
      const retryAfter = fault === 'rate-limited' ? '7' : null;
      if (api === 'ollama-chat') return { status, retryAfter, error: 'text' };
      if (api === 'messages') return { status, retryAfter, type: 'error', error: anthropicType };
      return { status, retryAfter, error: code };
    });
    expect(
      Object.fromEntries(cases.map((row, index) => [`${row.api} ${row.fault} ${row.stream}`, seen[index]])),
    ).toEqual(
      Object.fromEntries(cases.map((row, index) => [`${row.api} ${row.fault} ${row.stream}`, expected[index]])),
    );
  }, 30_000);

  it.each(DIALECTS.flatMap(({ prefix }) => [false, true].map((stream) => [prefix, stream] as const)))(
    'a client disconnect aborts the upstream call (%s backend, stream: %s)',
    async (prefix, stream) => {
      const model = `${prefix}-patient-${stream ? 'stall-mid-stream' : 'stall'}/fault-model`;
      const { key } = await gateway.createKey({ name: `disconnect-${prefix}-${stream}`, credits: 1 });
      const client = new OpenAI({ apiKey: key, baseURL: gateway.baseURL, maxRetries: 0 });
      const controller = new AbortController();
      const arrived = upstream.nextCall();
      const request = stream
        ? client.chat.completions
            .create({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }, { signal: controller.signal })
            .then(async (chunks) => {
              for await (const chunk of chunks) {
                // The first content chunk proves the stream is flowing; then the client goes away.
                if (chunk.choices[0]?.delta.content) controller.abort();
              }
            })
        : client.chat.completions.create(
            { model, messages: [{ role: 'user', content: 'hi' }] },
            { signal: controller.signal },
          );
      const call = await arrived;
      if (!stream) controller.abort();
      // The SDK ends an aborted stream's loop quietly, and rejects an aborted plain request.
      if (stream) await request;
      else await expect(request).rejects.toThrow(/abort/i);
      const started = Date.now();
      await call.aborted;
      expect(call.wasAborted).toBe(true);
      expect(Date.now() - started).toBeLessThan(2000);
      // The gateway is still serving.
      expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
    },
  );
});
