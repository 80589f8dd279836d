import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig } from './load-config.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'lg-config-'));
}

describe('configuration loading', () => {
  it('has LlamaGate defaults', () => {
    const { config } = loadConfig({ env: {}, dotenvFile: false, cwd: tempDir() });
    expect(config).toMatchObject({
      port: 11435,
      ollamaHost: 'http://localhost:11434',
      rateLimitRps: 50,
      debug: false,
      timeoutMs: 300_000,
      shutdownTimeoutMs: 30_000,
      dataDir: './data',
      defaultBackend: 'ollama',
      cache: { enabled: true, ttlMs: 300_000, maxEntries: 1000 },
      tls: { enabled: false },
    });
    expect(config.maxBodySize).toBe(10 * 1024 * 1024);
  });

  it('applies defaults < YAML < .env < environment < flags, with ${VAR} interpolation', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'llamagate.yaml'),
      'port: 1111\nrateLimitRps: 5\ntimeout: 2m\ncache: { ttl: 10s }\nollamaHost: "${OLLAMA_FROM_ENV:-http://fallback:1}"\nlogFile: yaml.log\n',
    );
    writeFileSync(join(dir, '.env'), 'RATE_LIMIT_RPS=6\nDEBUG=true\nLOG_FILE=dotenv.log\n');
    const { config, configFile } = loadConfig({
      cwd: dir,
      env: { LOG_FILE: 'env.log', OLLAMA_FROM_ENV: 'http://gpu-box:11434' },
      flags: { port: 2222 },
    });
    expect(configFile).toBe(join(dir, 'llamagate.yaml'));
    expect(config.port).toBe(2222);
    expect(config.rateLimitRps).toBe(6);
    expect(config.debug).toBe(true);
    expect(config.logFile).toBe('env.log');
    expect(config.timeoutMs).toBe(120_000);
    expect(config.cache.ttlMs).toBe(10_000);
    expect(config.ollamaHost).toBe('http://gpu-box:11434');
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('stops with a message naming the variable and what is allowed', () => {
    const load = (env: Record<string, string>) => () => loadConfig({ env, dotenvFile: false, cwd: tempDir() });
    expect(load({ RATE_LIMIT_RPS: '0' })).toThrow(/RATE_LIMIT_RPS.*greater than 0/);
    expect(load({ RATE_LIMIT_RPS: 'fast' })).toThrow(/RATE_LIMIT_RPS.*must be a number/);
    expect(load({ PORT: '70000' })).toThrow(/PORT/);
    expect(load({ TIMEOUT: '45m' })).toThrow(/TIMEOUT.*at most 30m/);
    expect(load({ TIMEOUT: 'soon' })).toThrow(/TIMEOUT.*duration/);
    expect(load({ DEBUG: 'maybe' })).toThrow(/DEBUG.*true or false/);
    expect(load({ TLS_ENABLED: 'true' })).toThrow(/TLS_CERT_FILE/);
    expect(load({ MAX_BODY_SIZE: 'huge' })).toThrow(ConfigError);
  });

  it('rejects a YAML file that does not parse, naming the file', () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'backends: [unclosed\n');
    expect(() => loadConfig({ configFile: file, env: {}, dotenvFile: false, cwd: dir })).toThrow(
      /bad\.yaml is not valid YAML/,
    );
  });

  it('loads the LLM Gateway v2 backends format as written', () => {
    const dir = tempDir();
    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      `backends:
  - name: "openai-backend"
    type: openai
    config: { apiKey: "\${OPENAI_API_KEY}", defaultModel: "gpt-4o", timeout: 30s, maxRetries: 3 }
  - name: "llm-pool"
    type: pool
    strategy: latency
    fallback: true
    backends:
      - { name: openai-backend, weight: 70 }
routes:
  - { name: "chat", path: "/v1/chat/completions", methods: ["POST"], backend: "llm-pool" }
`,
    );
    const { config } = loadConfig({
      configFile: file,
      env: { OPENAI_API_KEY: 'sk-test' },
      dotenvFile: false,
      cwd: dir,
    });
    expect(config.backends[0]).toMatchObject({
      name: 'openai-backend',
      type: 'openai',
      config: { apiKey: 'sk-test', defaultModel: 'gpt-4o', timeout: '30s', maxRetries: 3 },
    });
    expect(config.backends[1]).toMatchObject({ type: 'pool', strategy: 'latency', fallback: true });
    expect(config.routes[0]).toMatchObject({ path: '/v1/chat/completions', backend: 'llm-pool' });
  });

  it('redacts secrets in config dumps', () => {
    const redacted = redactConfig({
      apiKey: 'sk-1',
      databaseUrl: 'postgres://u:pw@h/db',
      backends: [{ config: { apiKey: 'k', secretAccessKey: 's', endpoint: 'https://x' } }],
    });
    expect(JSON.stringify(redacted)).not.toMatch(/sk-1|pw@|"k"|"s"/);
    expect(JSON.stringify(redacted)).toContain('https://x');
  });

  it('redacts backend header values except harmless ones, and keeps plain numbers', () => {
    const redacted = redactConfig({
      billing: { defaultMaxTokens: 4096, tokenHoldSeconds: 60 },
      backends: [
        {
          headers: {
            'x-subscription-key': 'sub-secret',
            'X-Custom-Auth': 'c-secret',
            'anthropic-version': '2023-06-01',
          },
          config: { headers: { 'Content-Type': 'application/json', 'user-agent': 'lg', 'x-api-token': 't' } },
        },
      ],
    });
    expect(redacted).toEqual({
      billing: { defaultMaxTokens: 4096, tokenHoldSeconds: 60 },
      backends: [
        {
          headers: {
            'x-subscription-key': '[redacted]',
            'X-Custom-Auth': '[redacted]',
            'anthropic-version': '2023-06-01',
          },
          config: { headers: { 'Content-Type': 'application/json', 'user-agent': 'lg', 'x-api-token': '[redacted]' } },
        },
      ],
    });
  });
});
