/**
 * Pool strategies, model aliases, routes, the model list, health checks and the admin view through the real
 * gateway, driven by the official openai client against mock upstreams.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { bodyOf } from '../../src/test-support/mock-upstream.js';
import { type Harness, startGateway } from './gateway-harness.js';
import { backendYaml, startUpstream, type Upstream, writeConfig } from './routing-upstreams.js';

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

async function start(yaml: string, env: Record<string, string> = {}): Promise<Harness> {
  gateway = await startGateway({
    configFile: writeConfig(`cache: { enabled: false }\n${yaml}`),
    env: { LLAMAGATE_MASTER_KEY: 'master', ...env },
  });
  return gateway;
}

const BACKENDS = () => `backends:\n${backendYaml(a)}\n${backendYaml(b)}\n${backendYaml(c)}\n`;

async function servedBy(harness: Harness, count: number, model = 'm'): Promise<string[]> {
  const served: string[] = [];
  for (let i = 0; i < count; i++) {
    const { response } = await harness
      .client()
      .chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    served.push(response.headers.get('x-llamagate-backend') ?? '?');
  }
  return served;
}

const share = (served: readonly string[], name: string) => served.filter((backend) => backend === name).length;

describe('pool strategies', () => {
  it('weighted: traffic follows the weights (seeded)', async () => {
    const harness = await start(
      `defaultBackend: pool\nrouting: { seed: 7 }\n${BACKENDS()}  - { name: pool, type: pool, strategy: weighted, backends: [{ name: a, weight: 3 }, { name: b, weight: 1 }] }\n`,
    );
    const served = await servedBy(harness, 200);
    expect(share(served, 'a')).toBeGreaterThan(125);
    expect(share(served, 'a')).toBeLessThan(175);
    expect(share(served, 'a') + share(served, 'b')).toBe(200);
  });

  it('round-robin: takes turns', async () => {
    const harness = await start(
      `defaultBackend: pool\n${BACKENDS()}  - { name: pool, type: pool, strategy: round-robin, backends: [a, b, c] }\n`,
    );
    expect(await servedBy(harness, 6)).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('latency: moves traffic to the fast backend, and back once the slow one recovers', async () => {
    const harness = await start(
      `defaultBackend: pool\nrouting: { seed: 3, latency: { smoothing: 0.5, explore: 0.25 } }\n${BACKENDS()}  - { name: pool, type: pool, strategy: latency, backends: [a, b] }\n`,
    );
    a.behave({ delayMs: 60 });
    const degraded = await servedBy(harness, 24);
    expect(share(degraded.slice(8), 'b')).toBeGreaterThanOrEqual(12);

    // b slows down, but stays faster than a's last known latency: only exploring notices that a recovered.
    a.behave({});
    b.behave({ delayMs: 25 });
    const recovered = await servedBy(harness, 30);
    expect(share(recovered.slice(18), 'a')).toBeGreaterThanOrEqual(9);
  });

  it('least-busy: a busy backend gets no new requests while an idle one exists', async () => {
    const harness = await start(
      `defaultBackend: pool\n${BACKENDS()}  - { name: pool, type: pool, strategy: least-busy, backends: [a, b] }\n`,
    );
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    a.behave({ gate });
    b.behave({ gate });
    const first = servedBy(harness, 1);
    await vi.waitFor(() => expect(a.calls().length + b.calls().length).toBe(1));
    const busy = a.calls().length === 1 ? 'a' : 'b';
    const second = servedBy(harness, 1);
    await vi.waitFor(() => expect(a.calls().length + b.calls().length).toBe(2));
    expect((busy === 'a' ? b : a).calls()).toHaveLength(1);
    release();
    expect([...(await first), ...(await second)].sort()).toEqual(['a', 'b']);
  });

  it('cost: the cheapest deployment by the price table', async () => {
    const harness = await start(
      `defaultBackend: a
prices:
  "openai-compatible/pricey": { input: "5", output: "15" }
  "openai-compatible/thrifty": { input: "0.1", output: "0.2" }
${BACKENDS()}models:
  best-value:
    strategy: cost
    deployments: [a/pricey, b/thrifty]
`,
    );
    expect(await servedBy(harness, 3, 'best-value')).toEqual(['b', 'b', 'b']);
    expect(bodyOf(b.calls()[0]).model).toBe('thrifty');
  });

  it('cost: a deployment priced by its backend name ranks by that price, as billing charges it', async () => {
    // Same backend type and model on both; the operator prices each deployment by backend name.
    const harness = await start(
      `defaultBackend: a
prices:
  "a/*": { input: "5", output: "15" }
  "c/*": { input: "0.1", output: "0.2" }
${BACKENDS()}models:
  best-value:
    strategy: cost
    deployments: [a/same-model, c/same-model]
`,
    );
    expect(await servedBy(harness, 3, 'best-value')).toEqual(['c', 'c', 'c']);
  });
});

describe('model aliases and routes', () => {
  const ALIASES = () => `defaultBackend: a
${BACKENDS()}models:
  fast:
    strategy: priority
    fallback: true
    deployments:
      - { backend: a, model: a-small }
      - { backend: b, model: b-small }
  smart: c/c-large
routes:
  - { name: embed, path: /v1/embeddings, methods: [POST], backend: b }
`;

  it('an alias picks its deployment and sends that deployment its own model name', async () => {
    const harness = await start(ALIASES());
    const { data, response } = await harness
      .client()
      .chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('from a');
    expect(bodyOf(a.calls()[0]).model).toBe('a-small');
    expect(response.headers.get('x-llamagate-backend')).toBe('a');

    a.behave({ status: 503 });
    await harness.client().chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
    expect(bodyOf(b.calls()[0]).model).toBe('b-small');

    await harness.client().chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] });
    expect(bodyOf(c.calls()[0]).model).toBe('c-large');
  });

  it('routes send a path to its backend; other paths go to the default backend', async () => {
    const harness = await start(ALIASES());
    const { response } = await harness.client().embeddings.create({ model: 'e', input: 'x' }).withResponse();
    expect(response.headers.get('x-llamagate-backend')).toBe('b');
    expect(bodyOf(b.calls()[0]).model).toBe('e');
    const chat = await servedBy(harness, 1, 'plain-model');
    expect(chat).toEqual(['a']);
  });

  it('/v1/models lists the aliases, then every backend’s models', async () => {
    const harness = await start(ALIASES());
    const models = await harness.client().models.list();
    const ids = models.data.map((model) => model.id);
    expect(ids.slice(0, 2)).toEqual(['fast', 'smart']);
    expect(ids).toEqual(expect.arrayContaining(['a-model', 'b/b-model', 'c/c-model']));
    expect(models.data[0]).toMatchObject({ owned_by: 'llamagate', deployments: ['a/a-small', 'b/b-small'] });
  });
});

describe('health and the admin view', () => {
  it('periodic checks take a backend whose checks fail out; /health/ready and /admin/backends show it', async () => {
    const harness = await start(
      `defaultBackend: pool\nhealthCheckInterval: 40ms\nrouting: { cooldown: { failures: 2, period: 10s } }\nbackends:\n${backendYaml(a)}\n${backendYaml(b)}\n  - { name: pool, type: pool, strategy: priority, backends: [a, b] }\n`,
    );
    a.behave({ modelsStatus: 500 });
    const admin = async () =>
      (await (await fetch(`${harness.url}/admin/backends`, { headers: { 'x-api-key': 'master' } })).json()) as {
        backends: { name: string; state: string; lastCheck?: { ok: boolean } }[];
        pools: { name: string }[];
      };
    await vi.waitFor(
      async () => expect((await admin()).backends.find((backend) => backend.name === 'a')?.state).toBe('cooling-down'),
      { timeout: 3_000 },
    );
    const view = await admin();
    expect(view.backends.find((backend) => backend.name === 'b')).toMatchObject({
      state: 'healthy',
      lastCheck: { ok: true },
    });
    expect(view.pools.map((pool) => pool.name)).toEqual(['pool']);

    const ready = await fetch(`${harness.url}/health/ready`);
    expect(ready.status).toBe(200);
    const report = (await ready.json()) as { backends: Record<string, { status: string; state: string }> };
    expect(report.backends.a).toMatchObject({ status: 'down', state: 'cooling-down' });
    expect(report.backends.b).toMatchObject({ status: 'up', state: 'healthy' });
    // With no request sent at all, the pool already avoids a.
    expect(await servedBy(harness, 1)).toEqual(['b']);

    expect(harness.gateway.context.router.checkingHealth).toBe(true);
    await harness.close();
    gateway = undefined;
    expect(harness.gateway.context.router.checkingHealth).toBe(false);
  });

  it('/health/ready is not ready when every backend of the default target is down', async () => {
    const harness = await start(`defaultBackend: a\nbackends:\n${backendYaml(a)}\n`);
    a.behave({ modelsStatus: 503 });
    const ready = await fetch(`${harness.url}/health/ready`);
    expect(ready.status).toBe(503);
  });

  it('admin endpoints need the master key', async () => {
    const harness = await start(`defaultBackend: a\nbackends:\n${backendYaml(a)}\n`, { API_KEY: 'client-key' });
    expect((await fetch(`${harness.url}/admin/backends`)).status).toBe(401);
    expect(
      (await fetch(`${harness.url}/admin/backends`, { headers: { authorization: 'Bearer client-key' } })).status,
    ).toBe(401);
    expect((await fetch(`${harness.url}/admin/backends`, { headers: { authorization: 'Bearer master' } })).status).toBe(
      200,
    );
  });
});
