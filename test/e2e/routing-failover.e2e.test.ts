/**
 * Retries, fallback, cool-downs, deadlines and streaming failover through the real gateway, driven by the
 * official openai client against mock upstreams that fail on command.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Harness, startGateway } from './gateway-harness.js';
import { backendYaml, caught, startUpstream, type Upstream, writeConfig } from './routing-upstreams.js';

let a: Upstream;
let b: Upstream;
let c: Upstream;
let gateway: Harness | undefined;

beforeAll(async () => {
  [a, b, c] = await Promise.all([startUpstream('a'), startUpstream('b'), startUpstream('c')]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close(), c.close()]);
});
beforeEach(() => {
  for (const upstream of [a, b, c]) upstream.behave({});
});
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

const ROUTING = `routing:
  backoff: { initialDelay: 1ms, maxDelay: 5ms }
  cooldown: { failures: 2, period: 250ms, maxPeriod: 1s }
cache: { enabled: false }
`;

async function start(yaml: string): Promise<Harness> {
  gateway = await startGateway({
    configFile: writeConfig(`${ROUTING}${yaml}`),
    env: { LLAMAGATE_MASTER_KEY: 'master', REQUEST_LOG_ENABLED: 'false' },
    observe: true,
  });
  return gateway;
}

const POOL = (strategy = 'priority', fallback = true, members = 'a, b, c') => `defaultBackend: pool
backends:
${backendYaml(a)}
${backendYaml(b)}
${backendYaml(c)}
  - { name: pool, type: pool, strategy: ${strategy}, fallback: ${fallback}, backends: [${members}] }
`;

const ask = (harness: Harness, model = 'm') =>
  harness
    .client()
    .chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
    .withResponse();

async function backends(harness: Harness) {
  const response = await fetch(`${harness.url}/admin/backends`, { headers: { authorization: 'Bearer master' } });
  return (await response.json()) as { backends: { name: string; state: string; lastError?: { status: number } }[] };
}

/** Sample lines of the named metric families, as `/metrics` serves them. */
async function metricSamples(harness: Harness, ...families: string[]): Promise<string[]> {
  const response = await fetch(`${harness.url}/metrics`, { headers: { authorization: 'Bearer master' } });
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => families.some((family) => line.startsWith(`${family}{`) || line.startsWith(`${family} `)));
}

const stateOf = async (harness: Harness, name: string) =>
  (await backends(harness)).backends.find((backend) => backend.name === name)?.state;

describe('fallback and retries', () => {
  it('falls back in pool order on retryable failures and says who served, after how many attempts', async () => {
    const harness = await start(POOL());
    a.behave({ status: 500 });
    b.behave({ status: 503 });
    const { data, response } = await ask(harness);
    expect(data.choices[0]?.message.content).toBe('from c');
    expect(response.headers.get('x-llamagate-backend')).toBe('c');
    expect(response.headers.get('x-llamagate-attempts')).toBe('3');
    expect(response.headers.get('x-llamagate-fallbacks')).toBe('2');
    expect([a.calls().length, b.calls().length, c.calls().length]).toEqual([1, 1, 1]);
    expect(
      await metricSamples(
        harness,
        'llamagate_upstream_retries_total',
        'llamagate_fallbacks_total',
        'llamagate_upstream_attempt_duration_seconds_count',
      ),
    ).toEqual([
      'llamagate_upstream_attempt_duration_seconds_count{backend="a",outcome="provider_error"} 1',
      'llamagate_upstream_attempt_duration_seconds_count{backend="b",outcome="provider_unavailable"} 1',
      'llamagate_upstream_attempt_duration_seconds_count{backend="c",outcome="success"} 1',
      'llamagate_upstream_retries_total{route="/v1/chat/completions"} 2',
      'llamagate_fallbacks_total{route="/v1/chat/completions"} 1',
    ]);
  });

  it('never retries or falls back on a 400: the upstream error is the answer', async () => {
    const harness = await start(POOL().replace(`endpoint: "${a.url}/v1"`, `endpoint: "${a.url}/v1", maxRetries: 3`));
    a.behave({ status: 400 });
    const error = await caught(ask(harness));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.headers?.get('x-llamagate-attempts')).toBe('1');
    expect(a.calls()).toHaveLength(1);
    expect(b.calls()).toHaveLength(0);
  });

  it('retries a backend with backoff, waiting for the 429 Retry-After', async () => {
    const harness = await start(`defaultBackend: a\nbackends:\n${backendYaml(a, ', maxRetries: 2')}\n`);
    a.behave((call) => (call === 0 ? { status: 429, headers: { 'retry-after-ms': '150' } } : {}));
    const started = performance.now();
    const { data, response } = await ask(harness);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    expect(data.choices[0]?.message.content).toBe('from a');
    expect(response.headers.get('x-llamagate-attempts')).toBe('2');
    expect(response.headers.get('x-llamagate-fallbacks')).toBe('0');
    // A retry on the same backend is not a fallback.
    expect(await metricSamples(harness, 'llamagate_upstream_retries_total', 'llamagate_fallbacks_total')).toEqual([
      'llamagate_upstream_retries_total{route="/v1/chat/completions"} 1',
    ]);
  });

  it('keeps retries inside the request deadline (x-llamagate-timeout)', async () => {
    const harness = await start(`defaultBackend: a\nbackends:\n${backendYaml(a, ', maxRetries: 20')}\n`);
    a.behave({ status: 502, delayMs: 100 });
    const started = performance.now();
    const response = await fetch(`${harness.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-llamagate-timeout': '0.3' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    });
    // 21 attempts of 100 ms each would take over 2 s; the 0.3 s deadline stops them (slack for a loaded machine).
    expect(performance.now() - started).toBeLessThan(1500);
    expect(response.status).toBeGreaterThanOrEqual(500);
    const attempts = Number(response.headers.get('x-llamagate-attempts'));
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(attempts).toBeLessThan(8);
  });

  it('falls back for embeddings too', async () => {
    const harness = await start(POOL());
    a.behave({ status: 500 });
    const { data, response } = await harness
      .client()
      .embeddings.create({ model: 'e', input: 'hello', encoding_format: 'float' })
      .withResponse();
    expect(data.data[0]?.embedding).toEqual([1, 0.5]);
    expect(response.headers.get('x-llamagate-backend')).toBe('b');
  });
});

describe('cool-down', () => {
  it('takes a failing backend out, then lets one half-open trial bring it back', async () => {
    const harness = await start(POOL());
    a.behave({ status: 503 });
    await ask(harness);
    expect(await stateOf(harness, 'a')).toBe('healthy');
    await ask(harness);
    expect(await stateOf(harness, 'a')).toBe('cooling-down');

    const skipped = await ask(harness);
    expect(skipped.response.headers.get('x-llamagate-backend')).toBe('b');
    expect(skipped.response.headers.get('x-llamagate-attempts')).toBe('1');
    expect(a.calls()).toHaveLength(2);

    a.behave({});
    await vi.waitFor(async () => expect(await stateOf(harness, 'a')).toBe('half-open'), { timeout: 2_000 });
    const trial = await ask(harness);
    expect(trial.response.headers.get('x-llamagate-backend')).toBe('a');
    expect(await stateOf(harness, 'a')).toBe('healthy');
  });

  it('a failed half-open trial sends the backend back to cooling down', async () => {
    const harness = await start(POOL());
    a.behave({ status: 503 });
    await ask(harness);
    await ask(harness);
    await vi.waitFor(async () => expect(await stateOf(harness, 'a')).toBe('half-open'), { timeout: 2_000 });
    const { response } = await ask(harness);
    expect(response.headers.get('x-llamagate-backend')).toBe('b');
    expect(await stateOf(harness, 'a')).toBe('cooling-down');
    expect(a.calls()).toHaveLength(3);
  });

  it('with every member cooling down, one probe per member goes through; the rest get 503 with Retry-After', async () => {
    const harness = await start(POOL('priority', true, 'a, b'));
    a.behave({ status: 503 });
    b.behave({ status: 503 });
    await caught(ask(harness));
    await caught(ask(harness));
    a.behave({ status: 503, delayMs: 300 });
    b.behave({ status: 503, delayMs: 300 });
    const [first, second, third] = await Promise.all([
      caught(ask(harness)),
      caught(ask(harness)),
      caught(ask(harness)),
    ]);
    expect([first.status, second.status]).toEqual([503, 503]);
    expect(third.status).toBe(503);
    expect(third.headers?.get('retry-after')).toBe('1');
    expect(third.message).toMatch(/cooling down/);
    expect(a.calls().length + b.calls().length).toBe(2);
  });
});

describe('circuit breaker: real outages only (issue 18, item 16)', () => {
  const lone = (extra = '') => `defaultBackend: a
backends:
${backendYaml(a, extra)}
`;

  it('400, 404, 422 and 500 answers never take a lone backend offline for other clients', async () => {
    const harness = await start(lone());
    for (const status of [400, 404, 422, 500, 500, 500, 500]) {
      a.behave({ status });
      expect((await caught(ask(harness))).status).toBe(status);
    }
    expect(await stateOf(harness, 'a')).toBe('healthy');
    a.behave({});
    const { response } = await ask(harness);
    expect(response.headers.get('x-llamagate-backend')).toBe('a');
  });

  it('overload statuses trip it; with no alternative the next request is a half-open probe, not a 503', async () => {
    const harness = await start(lone());
    a.behave({ status: 503 });
    await caught(ask(harness));
    a.behave({ status: 502 });
    await caught(ask(harness));
    expect(await stateOf(harness, 'a')).toBe('cooling-down');
    a.behave({});
    const probe = await ask(harness);
    expect(probe.response.headers.get('x-llamagate-backend')).toBe('a');
    expect(await stateOf(harness, 'a')).toBe('healthy');
  });

  it("maxRetries: 3 means 4 attempts, and one request's retries do not trip the breaker mid-retry", async () => {
    const harness = await start(lone(', maxRetries: 3'));
    a.behave((call) => (call < 3 ? { status: 503 } : {}));
    const served = await ask(harness);
    expect(served.response.headers.get('x-llamagate-attempts')).toBe('4');
    expect(a.calls()).toHaveLength(4);
    expect(await stateOf(harness, 'a')).toBe('healthy');
  });
});

describe('streaming failover', () => {
  const stream = async (harness: Harness) => {
    const { data, response } = await harness
      .client()
      .chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true })
      .withResponse();
    const text: string[] = [];
    const failure = await (async () => {
      for await (const chunk of data) text.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((error: unknown) => error);
    return { text: text.join(''), failure, response };
  };

  it('falls back when a stream fails before its first chunk (HTTP error or error event)', async () => {
    const harness = await start(POOL());
    a.behave({ status: 500 });
    b.behave({ streamErrorFirst: true });
    const { text, failure, response } = await stream(harness);
    expect(failure).toBeUndefined();
    expect(text).toBe('from c');
    expect(response.headers.get('x-llamagate-backend')).toBe('c');
    expect(response.headers.get('x-llamagate-attempts')).toBe('3');
  });

  it('after the first chunk, a failure is the final stream event and nothing falls back', async () => {
    const harness = await start(POOL());
    a.behave({ streamErrorAfterFirst: true });
    const { text, failure, response } = await stream(harness);
    expect(text).toBe('from a');
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(String((failure as Error).message)).toContain('a broke mid-stream');
    expect(response.headers.get('x-llamagate-backend')).toBe('a');
    expect(b.calls()).toHaveLength(0);
    const snapshot = await backends(harness);
    expect(snapshot.backends.find((backend) => backend.name === 'a')?.lastError).toMatchObject({ status: 500 });
    // The stream started (200) and ended in the provider's failure: counted by that error type, gauge back to 0.
    const samples = await metricSamples(harness, 'llamagate_requests_total', 'llamagate_open_streams');
    expect(samples.filter((line) => !line.includes('/admin/'))).toEqual([
      'llamagate_requests_total{route="/v1/chat/completions",format="openai-chat",model="m",backend="a",status_class="2xx",error_type="provider_error"} 1',
      'llamagate_open_streams 0',
    ]);
  });
});
