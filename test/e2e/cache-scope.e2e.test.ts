/**
 * The response cache is scoped by virtual key: a second key never gets, or can probe, a first key's answer; keys the
 * operator puts in one cache group (`cache.groups`) share their answers (issue 18, item 6).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith, type BillingGateway, startBillingGateway, writeGatewayConfig } from './billing-harness.js';

let upstream: MockUpstream;
let gateway: BillingGateway;
let configFile: string;

beforeAll(async () => {
  upstream = await startMockUpstream(answerWith());
  configFile = writeGatewayConfig(upstream.url);
  gateway = await startBillingGateway({
    env: { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-cache-scope-')), CACHE_ENABLED: 'true' },
    configFile,
  });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('response cache scope', () => {
  it('the same request from a second key is a MISS that reaches the upstream and is billed; the first key hits', async () => {
    const first = await gateway.createKey({ name: 'tenant-a', credits: 1 });
    const second = await gateway.createKey({ name: 'tenant-b', credits: 1 });
    const ask = (key: string) =>
      gateway
        .client(key)
        .chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'what did the others ask?' }] })
        .withResponse();
    const before = upstream.requests.length;
    const cacheOf = async (key: string) => {
      const { response } = await ask(key);
      return [response.headers.get('x-cache'), response.headers.get('x-llamagate-cost')];
    };
    expect(await cacheOf(first.key)).toEqual(['MISS', '0.002500']);
    expect(await cacheOf(second.key)).toEqual(['MISS', '0.002500']);
    expect(await cacheOf(first.key)).toEqual(['HIT', '0.000000']);
    expect(await cacheOf(second.key)).toEqual(['HIT', '0.000000']);
    expect(upstream.requests.length - before).toBe(2);
  });
});

describe('cache groups', () => {
  it('two keys in one group share a hit, priced as any hit; a key in no group does not see it', async () => {
    const alpha = await gateway.createKey({ name: 'team-alpha', credits: 1 });
    const beta = await gateway.createKey({ name: 'team-beta', credits: 1 });
    const outsider = await gateway.createKey({ name: 'outsider', credits: 1 });
    const grouped = writeGatewayConfig(upstream.url, `cache:\n  groups:\n    team: [${alpha.id}, ${beta.id}]\n`);
    writeFileSync(configFile, readFileSync(grouped));
    const reload = await gateway.admin('POST', '/admin/reload');
    expect(reload.status).toBe(200);
    const ask = async (key: string) => {
      const { response } = await gateway
        .client(key)
        .chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'shared within the team' }] })
        .withResponse();
      return [response.headers.get('x-cache'), response.headers.get('x-llamagate-cost')];
    };
    const before = upstream.requests.length;
    expect(await ask(alpha.key)).toEqual(['MISS', '0.002500']);
    // billing.cacheHit is `free` by default: the group member that hits pays what any hit costs.
    expect(await ask(beta.key)).toEqual(['HIT', '0.000000']);
    expect(await ask(outsider.key)).toEqual(['MISS', '0.002500']);
    expect(upstream.requests.length - before).toBe(2);
  });
});
