import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Router } from '../router/router.js';
import { parseDuration } from './durations.js';
import { loadConfig } from './load-config.js';

function load(yaml: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lg-strict-'));
  const file = join(dir, 'llamagate.yaml');
  writeFileSync(file, yaml);
  return loadConfig({ configFile: file, env, dotenvFile: false, cwd: dir });
}

const problem = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as Error).message.replace(/\(\/[^)]*\)/, '(file)');
  }
  return 'no error';
};

describe('a configuration cannot be silently misspelt (issue 18, item 19)', () => {
  it('rejects unknown keys at any depth, naming the closest valid one', () => {
    expect(problem(() => load('prots: 8080\n'))).toMatchInlineSnapshot(`
      "Invalid configuration (file):
        - prots: unknown key "prots" (did you mean "port"?)"
    `);
    expect(problem(() => load('cache:\n  enabeld: false\n'))).toMatchInlineSnapshot(`
      "Invalid configuration (file):
        - cache.enabeld: unknown key "enabeld" (did you mean "enabled"?)"
    `);
    expect(problem(() => load('routing:\n  maxRetry: 2\n'))).toMatchInlineSnapshot(`
      "Invalid configuration (file):
        - routing.maxRetry: unknown key "maxRetry" (did you mean "maxRetries"?)"
    `);
    // A file with LiteLLM's model_list is imported as a LiteLLM config: what it cannot map is reported, not lost.
    expect(load('model_list: []\nfoo: 1\n').importReport).toContain('foo is not mapped');
  });

  it('cache groups: a key belongs to one group at most, and group names are plain', () => {
    expect(load('cache:\n  groups:\n    team: [key_a, key_b]\n').config.cache.groups).toEqual({
      team: ['key_a', 'key_b'],
    });
    expect(problem(() => load('cache:\n  groups:\n    one: [key_a]\n    two: [key_a]\n'))).toMatchInlineSnapshot(`
      "Invalid configuration (file):
        - cache.groups.two: key "key_a" is in cache groups "one" and "two"; a key shares its cache with one group"
    `);
    expect(problem(() => load('cache:\n  groups:\n    "a b": [key_a]\n'))).toMatchInlineSnapshot(`
      "Invalid configuration (file):
        - cache.groups.a b: cache group names use letters, digits, ".", "_" and "-""
    `);
  });

  it('accepts mcp and mcpServers as sections owned by the MCP feature', () => {
    expect(() => load('mcp:\n  servers: {}\nmcpServers: {}\n')).not.toThrow();
  });

  it('validates each backend config block against its provider settings schema', () => {
    const router = (yaml: string) => () => {
      const { config, env } = load(yaml);
      return new Router({ env, config: { ...config } });
    };
    expect(
      problem(
        router(
          'backends:\n  - { name: az, type: azure, config: { apiKey: k, endpoint: "https://r.example", deploymentNmae: prod } }\n',
        ),
      ),
    ).toMatchInlineSnapshot(
      `"backend "az": config.deploymentNmae: unknown key "deploymentNmae" (did you mean "deploymentName"?)"`,
    );
    expect(
      problem(router('backends:\n  - { name: o, type: openai, config: { apiKey: k, defaultModle: gpt-4o } }\n')),
    ).toMatchInlineSnapshot(
      `"backend "o": config.defaultModle: unknown key "defaultModle" (did you mean "defaultModel"?)"`,
    );
    expect(
      problem(router('backends:\n  - { name: o, type: openai, config: { endpoint: "not a url" } }\n')),
    ).toMatchInlineSnapshot(`"backend "o": config.endpoint: must be an http(s) URL (got "not a url")"`);
    // A known key with a value of the wrong type stops start-up too, naming it.
    expect(
      problem(router('backends:\n  - { name: c, type: anthropic, config: { apiKey: k, maxTokens: lots } }\n')),
    ).toMatchInlineSnapshot(`"backend "c": config.maxTokens: must be a positive integer"`);
    expect(
      problem(router('backends:\n  - { name: b, type: bedrock, config: { region: [us-east-1, eu-west-1] } }\n')),
    ).toMatchInlineSnapshot(`"backend "b": config.region: Invalid input: expected string, received array"`);
    expect(
      problem(
        router('backends:\n  - { name: g, type: google, config: { projectId: p, location: l, credentials: 5 } }\n'),
      ),
    ).toMatchInlineSnapshot(`"backend "g": config.credentials: must be a key file path or the key JSON object"`);
    // Connection limits apply to an upstream origin: without an endpoint they would be ignored.
    expect(
      problem(router('backends:\n  - { name: o, type: openai, config: { apiKey: k, maxConnections: 8 } }\n')),
    ).toMatchInlineSnapshot(
      `"backend "o": maxConnections and maxQueuedRequests need an explicit endpoint (the upstream origin they limit)"`,
    );
    // Documented aliases still work.
    expect(
      problem(
        router(
          'backends:\n  - { name: b, type: bedrock, config: { region: us-east-1, access_key_id: a, secret_access_key: s } }\n',
        ),
      ),
    ).toBe('no error');
  });

  it('validates OLLAMA_HOST at start-up; host:port forms stay accepted', () => {
    expect(problem(() => loadConfig({ env: { OLLAMA_HOST: 'not a url' }, dotenvFile: false }))).toMatchInlineSnapshot(`
      "Invalid configuration:
        - OLLAMA_HOST (ollamaHost): OLLAMA_HOST must be a URL like http://localhost:11434 or a host[:port] (got "not a url")"
    `);
    for (const host of ['localhost:11434', '0.0.0.0', 'http://127.0.0.1:11434', 'https://ollama.example/api'])
      expect(loadConfig({ env: { OLLAMA_HOST: host }, dotenvFile: false }).config.ollamaHost).toBe(host);
  });
});

describe("LlamaGate's documented forms (issue 18, item 20)", () => {
  it('reads Go-style durations everywhere', () => {
    expect(parseDuration('2m30s')).toBe(150_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('30')).toBe(30_000);
    expect(parseDuration('2x')).toBeUndefined();
    const { config } = load('shutdownTimeout: 2m30s\ncache: { ttl: 1h30m }\n', { TIMEOUT: '2m30s' });
    expect(config).toMatchObject({ shutdownTimeoutMs: 150_000, timeoutMs: 150_000, cache: { ttlMs: 5_400_000 } });
    expect(loadConfig({ env: { SHUTDOWN_TIMEOUT: '1m30s' }, dotenvFile: false }).config.shutdownTimeoutMs).toBe(90_000);
  });

  it('accepts tls_enabled, tls_cert_file and tls_key_file in YAML', () => {
    const { config } = load('tls_enabled: true\ntls_cert_file: /etc/cert.pem\ntls_key_file: /etc/key.pem\n');
    expect(config.tls).toEqual({ enabled: true, certFile: '/etc/cert.pem', keyFile: '/etc/key.pem' });
  });

  it('a request naming an Azure backend uses its deploymentName; one naming a route gives each member its default', () => {
    const { config, env } = load(`backends:
  - { name: openai-backend, type: openai, config: { apiKey: k, defaultModel: gpt-4o } }
  - { name: anthropic-backend, type: anthropic, config: { apiKey: k, defaultModel: claude-3-5-sonnet-20241022 } }
  - { name: my-azure, type: azure, config: { apiKey: k, endpoint: "https://r.example", deploymentName: prod } }
  - { name: llm-pool, type: pool, fallback: true, backends: [openai-backend, anthropic-backend] }
routes:
  - { name: chat, path: /v1/chat/completions, methods: [POST], backend: llm-pool }
`);
    const router = new Router({ env, config: { ...config } });
    const plan = (model: string) =>
      router
        .plan({ model, path: '/v1/chat/completions', method: 'POST' })
        .candidates.map((target) => `${target.backend.name}:${target.modelId}`)
        .sort();
    expect(plan('my-azure')).toEqual(['my-azure:prod']);
    expect(plan('llm-pool')).toEqual(['anthropic-backend:claude-3-5-sonnet-20241022', 'openai-backend:gpt-4o']);
    expect(plan('chat')).toEqual(['anthropic-backend:claude-3-5-sonnet-20241022', 'openai-backend:gpt-4o']);
  });
});
