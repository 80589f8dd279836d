import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { providerDefinitions } from '../providers/registry.js';
import { Router } from './router.js';

function load(yaml: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lg-router-'));
  const file = join(dir, 'llamagate.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ configFile: file, env, dotenvFile: false, cwd: dir });
}

function routerFor(yaml: string, env: Record<string, string> = {}, previous?: Router) {
  const { config, env: seen } = load(yaml, env);
  return new Router({ env: seen, config: { ...config }, previous });
}

const SEED = `backends:
  - name: "openai-backend"
    type: openai
    config: { apiKey: "\${OPENAI_API_KEY}", defaultModel: "gpt-4o", timeout: 30s, maxRetries: 3 }
  - name: "anthropic-backend"
    type: anthropic
    config: { apiKey: "\${ANTHROPIC_API_KEY}", defaultModel: "claude-3-5-sonnet-20241022", maxTokens: 8192, timeout: 60s }
  - name: "llm-pool"
    type: pool
    strategy: latency          # picks the fastest responding backend
    fallback: true             # on error, try next backend
    backends:
      - { name: openai-backend, weight: 70 }
      - { name: anthropic-backend, weight: 30 }
routes:
  - { name: "chat", path: "/v1/chat/completions", methods: ["POST"], backend: "llm-pool" }
`;

const names = (router: Router, request: Parameters<Router['plan']>[0]) =>
  router.plan(request).candidates.map((target) => `${target.backend.name}:${target.modelId}`);

describe('Router', () => {
  it('loads the LLM Gateway v2 seed config verbatim: backends, latency pool with fallback, chat route', () => {
    const router = routerFor(SEED, { OPENAI_API_KEY: 'sk-o', ANTHROPIC_API_KEY: 'sk-a' });
    const openai = router.resolver.getBackend('openai-backend');
    expect(openai).toMatchObject({ type: 'openai', defaultModel: 'gpt-4o', timeoutMs: 30_000, maxRetries: 3 });
    expect(router.resolver.getBackend('anthropic-backend')).toMatchObject({ type: 'anthropic', timeoutMs: 60_000 });
    expect(router.snapshot().pools).toEqual([
      {
        name: 'llm-pool',
        strategy: 'latency',
        fallback: true,
        members: [
          { name: 'openai-backend', weight: 70 },
          { name: 'anthropic-backend', weight: 30 },
        ],
      },
    ]);
    // The chat route sends requests without a model to the pool: each member with its default model (in latency
    // order, which now and then explores, hence sorted).
    expect(names(router, { model: undefined, path: '/v1/chat/completions', method: 'POST' }).sort()).toEqual([
      'anthropic-backend:claude-3-5-sonnet-20241022',
      'openai-backend:gpt-4o',
    ]);
    // Other paths have no route: the default backend (Ollama).
    expect(names(router, { model: 'nomic-embed-text', path: '/v1/embeddings' })).toEqual(['ollama:nomic-embed-text']);
  });

  it('loads every backend type with the common fields; google with projectId + location is Vertex', () => {
    const router = routerFor(`backends:
  - { name: o, type: openai, config: { apiKey: k, endpoint: "http://127.0.0.1:1/v1", defaultModel: gpt-4o, timeout: 5s, maxRetries: 2, headers: { x-team: a } } }
  - { name: az, type: azure-openai, config: { apiKey: k, endpoint: "https://r.openai.azure.com", deploymentName: prod, apiVersion: "2024-10-21" } }
  - { name: an, type: anthropic, config: { apiKey: k } }
  - { name: studio, type: google, config: { apiKey: k } }
  - { name: vertex, type: google, config: { projectId: p, location: europe-west4, accessToken: t } }
  - { name: llama, type: meta, config: { endpoint: "http://127.0.0.1:2/v1", apiKey: k } }
  - { name: mi, type: mistral, config: { apiKey: k } }
  - { name: p, type: pool, backends: [o, an] }
`);
    const provider = (name: string) => router.resolver.getBackend(name)?.provider.id;
    expect(router.resolver.getBackend('o')).toMatchObject({
      timeoutMs: 5_000,
      maxRetries: 2,
      headers: { 'x-team': 'a' },
    });
    expect([provider('o'), provider('az'), provider('an'), provider('studio'), provider('vertex')]).toEqual([
      'openai',
      'azure',
      'anthropic',
      'gemini',
      'vertex',
    ]);
    expect([provider('llama'), provider('mi')]).toEqual(['meta', 'mistral']);
    expect(router.pools.get('p')?.members.map((member) => member.node.name)).toEqual(['o', 'an']);

    const everyType = providerDefinitions.map(
      (definition, index) =>
        `  - { name: b${index}, type: ${definition.id}, config: { endpoint: "http://127.0.0.1:1" } }`,
    );
    const all = routerFor(`backends:\n${everyType.join('\n')}\n`);
    expect(all.resolver.listBackends().map((backend) => backend.type)).toEqual(
      expect.arrayContaining(providerDefinitions.map((definition) => definition.id)),
    );
  });

  it('resolves a model: alias, backend/model, pool/model, provider/model, bare backend name, route, family, default', () => {
    const router = routerFor(
      `defaultBackend: local
backends:
  - { name: local, type: openai-compatible, config: { endpoint: "http://127.0.0.1:1/v1", defaultModel: small } }
  - { name: other, type: openai-compatible, config: { endpoint: "http://127.0.0.1:2/v1", defaultModel: big } }
  - { name: both, type: pool, strategy: priority, fallback: true, backends: [local, other] }
models:
  fast:
    strategy: priority
    fallback: true
    deployments:
      - { backend: other, model: turbo }
      - local/mini
  single: other/solo
routes:
  - { path: /v1/embeddings, backend: other }
`,
      { ANTHROPIC_API_KEY: 'sk-a' },
    );
    expect(names(router, { model: 'fast' })).toEqual(['other:turbo', 'local:mini']);
    expect(names(router, { model: 'single' })).toEqual(['other:solo']);
    expect(names(router, { model: 'other/x-1' })).toEqual(['other:x-1']);
    expect(names(router, { model: 'both/x-2' })).toEqual(['local:x-2', 'other:x-2']);
    expect(names(router, { model: 'both' })).toEqual(['local:small', 'other:big']);
    expect(names(router, { model: 'anthropic/claude-x' })).toEqual(['anthropic:claude-x']);
    expect(names(router, { model: 'claude-3-haiku', path: '/v1/chat/completions' })).toEqual([
      'anthropic:claude-3-haiku',
    ]);
    expect(names(router, { model: 'claude-3-haiku', path: '/v1/embeddings' })).toEqual(['other:claude-3-haiku']);
    expect(names(router, { model: 'llama3', path: '/v1/chat/completions' })).toEqual(['local:llama3']);
    expect(names(router, { model: undefined, path: '/v1/chat/completions' })).toEqual(['local:small']);
    // Model ids that only look like a provider prefix stay with the default backend without that provider's key.
    expect(names(router, { model: 'meta-llama/Llama-3.3-70B' })).toEqual(['local:meta-llama/Llama-3.3-70B']);
  });

  it('a pool without fallback offers only its pick; nested pools expand in order', () => {
    const router = routerFor(`defaultBackend: outer
backends:
  - { name: a, type: openai-compatible, config: { endpoint: "http://127.0.0.1:1/v1" } }
  - { name: b, type: openai-compatible, config: { endpoint: "http://127.0.0.1:2/v1" } }
  - { name: c, type: openai-compatible, config: { endpoint: "http://127.0.0.1:3/v1" } }
  - { name: inner, type: pool, strategy: priority, fallback: true, backends: [b, c] }
  - { name: outer, type: pool, strategy: priority, fallback: true, backends: [inner, a] }
  - { name: single, type: pool, strategy: round-robin, backends: [a, b] }
`);
    expect(names(router, { model: 'm' })).toEqual(['b:m', 'c:m', 'a:m']);
    expect(names(router, { model: 'single/m' })).toEqual(['a:m']);
    expect(names(router, { model: 'single/m' })).toEqual(['b:m']);
  });

  it('rejects unknown members, pool cycles, aliases shadowing backends and unknown strategies with the reason', () => {
    const base = `backends:\n  - { name: a, type: openai-compatible, config: { endpoint: "http://127.0.0.1:1/v1" } }\n`;
    expect(() => routerFor(`${base}  - { name: p, type: pool, backends: [a, ghost] }\n`)).toThrow(
      /pool "p": "ghost" is not a backend or pool/,
    );
    expect(() =>
      routerFor(`${base}  - { name: p, type: pool, backends: [q] }\n  - { name: q, type: pool, backends: [p] }\n`),
    ).toThrow(/contains itself/);
    expect(() => routerFor(`${base}models:\n  a: a/x\n`)).toThrow(/alias "a" is also a backend/);
    expect(() => routerFor(`${base}routes:\n  - { path: /v1/chat/completions, backend: nope }\n`)).toThrow(
      /routes\[0\].*"nope"/,
    );
    expect(() => routerFor(`${base}  - { name: p, type: pool, strategy: fastest-ever, backends: [a] }\n`)).toThrow(
      /strategy must be one of/,
    );
    expect(() => routerFor(`${base}  - { name: p, type: pool }\n`)).toThrow(/needs at least one member/);
  });

  it('needs a model when neither the request nor the backend names one', () => {
    const router = routerFor(
      `defaultBackend: a\nbackends:\n  - { name: a, type: openai-compatible, config: { endpoint: "http://127.0.0.1:1/v1" } }\n`,
    );
    expect(() => router.plan({ model: undefined })).toThrow(/you must provide a model parameter/);
  });

  it('keeps the health of backends whose settings did not change across a reload', () => {
    const yaml = (endpoint: string) =>
      `defaultBackend: a\nbackends:\n  - { name: a, type: openai-compatible, config: { endpoint: "${endpoint}" } }\n  - { name: b, type: openai-compatible, config: { endpoint: "http://127.0.0.1:2/v1" } }\n`;
    const first = routerFor(yaml('http://127.0.0.1:1/v1'));
    const stats = (router: Router, name: string) => router.listBackendNodes().find((node) => node.name === name)?.stats;
    const same = routerFor(yaml('http://127.0.0.1:1/v1'), {}, first);
    expect(stats(same, 'a')).toBe(stats(first, 'a'));
    const changed = routerFor(yaml('http://127.0.0.1:9/v1'), {}, first);
    expect(stats(changed, 'a')).not.toBe(stats(first, 'a'));
    expect(stats(changed, 'b')).toBe(stats(first, 'b'));
  });

  it("a pool member is never sent another provider's model family; names of no family, and deployments, go as written", () => {
    const router = routerFor(`backends:
  - { name: o, type: openai, config: { apiKey: k, defaultModel: gpt-4o-mini } }
  - { name: a, type: anthropic, config: { apiKey: k } }
  - { name: local, type: ollama, config: { endpoint: "http://127.0.0.1:1" } }
  - { name: az, type: azure, config: { apiKey: k, endpoint: "https://r.example", deploymentName: prod } }
  - { name: mixed, type: pool, strategy: priority, fallback: true, backends: [o, a, local, az] }
  - { name: anthropic-only, type: pool, backends: [a] }
models:
  pinned: { strategy: priority, fallback: true, deployments: [{ backend: a, model: gpt-odd }, { backend: o, model: claude-odd }] }
`);
    const plan = (model: string) => names(router, { model });
    // The Anthropic member has no defaultModel: it sits out rather than be sent gpt-4o.
    expect(plan('mixed/gpt-4o')).toEqual(['o:gpt-4o', 'local:gpt-4o', 'az:gpt-4o']);
    expect(plan('mixed/claude-3-5-haiku-latest')).toEqual([
      'o:gpt-4o-mini',
      'a:claude-3-5-haiku-latest',
      'local:claude-3-5-haiku-latest',
      'az:claude-3-5-haiku-latest',
    ]);
    expect(plan('mixed/ft:gpt-4o-mini:org::x')).toEqual([
      'o:ft:gpt-4o-mini:org::x',
      'a:ft:gpt-4o-mini:org::x',
      'local:ft:gpt-4o-mini:org::x',
      'az:ft:gpt-4o-mini:org::x',
    ]);
    expect(plan('pinned')).toEqual(['a:gpt-odd', 'o:claude-odd']);
    expect(() => plan('anthropic-only/gpt-4o')).toThrowErrorMatchingInlineSnapshot(
      `[ModelNotFoundError: No backend of "anthropic-only" serves \`gpt-4o\` and none has a defaultModel to use instead]`,
    );
  });
});
