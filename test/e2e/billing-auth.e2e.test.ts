/**
 * Who may call a gateway with billing on: API_KEY alone (unchanged behaviour), a master key beside API_KEY,
 * and an open gateway where only virtual keys are billed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type OpenAI from 'openai';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith, MASTER_KEY, startBillingGateway, writeGatewayConfig } from './billing-harness.js';

async function failure(promise: Promise<unknown>): Promise<APIError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof APIError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describe('who may call when billing is on (SQLite)', () => {
  let upstream: MockUpstream;
  let configFile: string;
  beforeAll(async () => {
    upstream = await startMockUpstream(answerWith());
    configFile = writeGatewayConfig(upstream.url, 'billing:\n  unpricedModels: reject\n');
  });
  afterAll(async () => {
    await upstream?.close();
  });
  const dataDir = () => mkdtempSync(join(tmpdir(), 'lg-billing-auth-'));
  // Identical prompts would be answered from the response cache (and free) otherwise.
  const noCache = { CACHE_ENABLED: 'false' };
  const ask = (client: OpenAI, model = 'mock-1') =>
    client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

  it('API_KEY alone works exactly as before: unbilled, administers, and wrong or missing keys get 401', async () => {
    const gateway = await startBillingGateway({
      env: { ...noCache, LLAMAGATE_DATA_DIR: dataDir(), LLAMAGATE_MASTER_KEY: '', API_KEY: 'shared-key' },
      configFile,
    });
    try {
      const { response } = await ask(gateway.client('shared-key')).withResponse();
      expect(response.headers.get('x-llamagate-credits-remaining')).toBeNull();
      const wrong = await failure(ask(gateway.client('nope')));
      expect([wrong.status, wrong.message]).toEqual([401, '401 Invalid API key']);
      const missing = await fetch(`${gateway.baseURL}/models`);
      expect(missing.status).toBe(401);
      expect(((await missing.json()) as { error: { message: string } }).error.message).toBe(
        'Missing API key: send it as X-API-Key or Authorization: Bearer <key>',
      );
      const admin = await fetch(`${gateway.url}/admin/keys`, { headers: { 'x-api-key': 'shared-key' } });
      expect(admin.status).toBe(200);
      const credits = await fetch(`${gateway.baseURL}/credits`, { headers: { 'x-api-key': 'shared-key' } });
      expect(credits.status).toBe(403);
    } finally {
      await gateway.close();
    }
  });

  it('with a master key, API_KEY still calls models unbilled but cannot administer', async () => {
    const gateway = await startBillingGateway({
      env: { ...noCache, LLAMAGATE_DATA_DIR: dataDir(), API_KEY: 'shared-key' },
      configFile,
    });
    try {
      await ask(gateway.client('shared-key'));
      const admin = await fetch(`${gateway.url}/admin/keys`, { headers: { 'x-api-key': 'shared-key' } });
      expect(admin.status).toBe(401);
      const { key } = await gateway.createKey({ name: 'virtual', credits: 1 });
      const { response } = await ask(gateway.client(key)).withResponse();
      expect(response.headers.get('x-llamagate-credits-remaining')).not.toBeNull();
      // billing.unpricedModels: reject — a virtual key may not use a model without a price; the master key may.
      expect((await failure(ask(gateway.client(key), 'unpriced-model'))).code).toBe('model_not_allowed');
      await ask(gateway.client(MASTER_KEY), 'unpriced-model');
    } finally {
      await gateway.close();
    }
  });

  it('with no key configured the gateway stays open, and virtual keys are still billed', async () => {
    const gateway = await startBillingGateway({
      env: { ...noCache, LLAMAGATE_DATA_DIR: dataDir(), LLAMAGATE_MASTER_KEY: '' },
      configFile,
    });
    try {
      // Anonymous callers are served, and so is a placeholder key that is not a virtual key (SDKs insist on one);
      // a virtual key the gateway cannot honour never is.
      const anonymous = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(anonymous.status).toBe(200);
      await ask(gateway.client('ollama'));
      const before = upstream.requests.length;
      for (const madeUp of ['sk-lg-mistyped', 'sk-lg-0000000000000000000000000000000000000000']) {
        const refused = await failure(ask(gateway.client(madeUp)));
        expect(refused.status, madeUp).toBe(401);
      }
      expect(upstream.requests.length).toBe(before);
      const created = await fetch(`${gateway.url}/admin/keys`, {
        method: 'POST',
        body: JSON.stringify({ name: 'local', credits: 1 }),
      });
      expect(created.status).toBe(201);
      const { key } = (await created.json()) as { key: string };
      const { response } = await ask(gateway.client(key)).withResponse();
      expect(response.headers.get('x-llamagate-cost')).toBe('0.002500');
      expect(response.headers.get('x-llamagate-credits-remaining')).toBe('0.997500');
    } finally {
      await gateway.close();
    }
  });
});
