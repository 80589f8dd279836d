/**
 * The auth stage as every route gets it: admin routes take the master key only, and failed authentications are
 * counted per client address until it is refused with 429 and Retry-After, whatever key it sends next.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startGateway } from './gateway-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function get(path: string, key?: string): Promise<Response> {
  const headers: Record<string, string> = key === undefined ? {} : { authorization: `Bearer ${key}` };
  return fetch(`${harness?.url}${path}`, { headers });
}

describe('auth stage', () => {
  it('an open gateway without billing refuses a virtual key (it cannot honour its limits) and serves other callers', async () => {
    harness = await startGateway({ env: { OLLAMA_HOST: 'http://127.0.0.1:9' } });
    const refused = await get('/v1/models', 'sk-lg-revokedOrMistyped0123456789');
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: unknown }).error).toMatchObject({
      message: 'Invalid API key: virtual keys (sk-lg-…) need billing, which this gateway has off',
    });
    expect((await get('/v1/models', 'anything')).status).not.toBe(401);
    expect((await get('/v1/models')).status).not.toBe(401);
  });

  it('admin routes take the master key, not the shared API key', async () => {
    harness = await startGateway({
      env: { API_KEY: 'shared-key', LLAMAGATE_MASTER_KEY: 'master-key', OLLAMA_HOST: 'http://127.0.0.1:9' },
    });
    expect((await get('/admin/backends')).status).toBe(401);
    expect((await get('/admin/backends', 'shared-key')).status).toBe(401);
    const ok = await get('/admin/backends', 'master-key');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-ratelimit-limit')).not.toBeNull();
    // Health stays open: no key, no rate limit.
    const health = await get('/health/live');
    expect(health.status).toBe(200);
    expect(health.headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('refuses an address with 429 after repeated failures, master key or model key, and logs no key', async () => {
    harness = await startGateway({
      env: {
        API_KEY: 'shared-key',
        LLAMAGATE_MASTER_KEY: 'master-key',
        AUTH_FAILURES_PER_MINUTE: '3',
        OLLAMA_HOST: 'http://127.0.0.1:9',
      },
    });
    expect((await get('/admin/backends', 'guess-1')).status).toBe(401);
    expect((await get('/v1/models', 'guess-2')).status).toBe(401);
    expect((await get('/admin/backends', 'guess-3')).status).toBe(401);
    const refused = await get('/admin/backends', 'master-key');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(((await refused.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error');
    expect((await get('/v1/models', 'shared-key')).status).toBe(429);
    const failures = harness.logs.filter((line) => line.msg === 'Authentication failed');
    expect(failures).toHaveLength(3);
    expect(failures[0]).toMatchObject({ level: 40, clientIp: '127.0.0.1', path: '/admin/backends' });
    expect(JSON.stringify(harness.logs)).not.toMatch(/guess-|master-key|shared-key/);
  });
});
