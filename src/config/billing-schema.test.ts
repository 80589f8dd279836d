import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';

function load(env: Record<string, string>) {
  return loadConfig({ env, dotenvFile: false, cwd: '/nonexistent' }).config;
}

describe('billing configuration', () => {
  it('is on by default with free cache hits, unpriced hosted models refused and a 5 s key cache', () => {
    expect(load({}).billing).toEqual({
      enabled: true,
      cacheHit: 'free',
      unpricedModels: 'reject-hosted',
      defaultMaxTokens: 4096,
      maxOverdraft: 100,
      leaseTtl: 15_000,
      creditLeases: true,
      keyCacheTtl: 5000,
      redisCommandTimeout: 250,
    });
    expect(load({}).prices).toEqual({});
  });

  it('reads every setting from the environment', () => {
    const billing = load({
      BILLING_ENABLED: 'false',
      BILLING_CACHE_HIT: '25%',
      BILLING_UNPRICED_MODELS: 'reject',
      BILLING_DEFAULT_MAX_TOKENS: '1000',
      BILLING_MAX_OVERDRAFT: '0%',
      BILLING_LEASE_TTL: '6s',
      BILLING_CREDIT_LEASES: 'true',
      KEY_CACHE_TTL: '2s',
      LLAMAGATE_KEY_HASH_SECRET: 'pepper',
      DATABASE_SCHEMA: 'billing',
      REDIS_KEY_PREFIX: 'lg:',
      REDIS_COMMAND_TIMEOUT: '1s500ms',
    }).billing;
    expect(billing).toEqual({
      enabled: false,
      cacheHit: { percent: 25 },
      unpricedModels: 'reject',
      defaultMaxTokens: 1000,
      maxOverdraft: 0,
      leaseTtl: 6000,
      creditLeases: true,
      keyCacheTtl: 2000,
      keyHashSecret: 'pepper',
      databaseSchema: 'billing',
      redisKeyPrefix: 'lg:',
      redisCommandTimeout: 1500,
    });
    expect(load({ BILLING_CACHE_HIT: 'full' }).billing.cacheHit).toBe('full');
  });

  it('stops start-up on a bad price or cache rule, naming the setting', () => {
    expect(() => load({ BILLING_CACHE_HIT: 'half' })).toThrow(
      /BILLING_CACHE_HIT \(billing.cacheHit\): .*free, full or a percentage/,
    );
    expect(() => load({ BILLING_UNPRICED_MODELS: 'maybe' })).toThrow(/billing.unpricedModels/);
    expect(() => load({ BILLING_MAX_OVERDRAFT: 'lots' })).toThrow(/BILLING_MAX_OVERDRAFT .*percentage of the hold/);
    expect(() => load({ BILLING_LEASE_TTL: '500ms' })).toThrow(/BILLING_LEASE_TTL must be at least 1s/);
  });

  it('reads prices from YAML and rejects amounts finer than a micro-dollar or unknown fields', () => {
    const file = (yaml: string) => {
      const path = join(mkdtempSync(join(tmpdir(), 'lg-prices-')), 'llamagate.yaml');
      writeFileSync(path, yaml);
      return path;
    };
    const loaded = loadConfig({
      env: {},
      dotenvFile: false,
      configFile: file('prices:\n  "llama-*": { input: 0.1, output: "0.2", cachedInput: 0.05 }\n'),
    });
    expect(loaded.config.prices).toEqual({ 'llama-*': { input: 0.1, output: '0.2', cachedInput: 0.05 } });
    expect(() =>
      loadConfig({ env: {}, dotenvFile: false, configFile: file('prices:\n  x: { input: "0.0000001" }\n') }),
    ).toThrow(/prices.x: .*more precision than a micro-dollar/);
    expect(() =>
      loadConfig({ env: {}, dotenvFile: false, configFile: file('prices:\n  x: { input: 1, outptu: 2 }\n') }),
    ).toThrow(/prices.x: .*outptu/);
  });
});
