/** A model request refused before its model is read still gets its one ledger row, free (issue 18, item 13). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith, type BillingGateway, startBillingGateway, writeGatewayConfig } from './billing-harness.js';

let upstream: MockUpstream;
let gateway: BillingGateway;

beforeAll(async () => {
  upstream = await startMockUpstream(answerWith());
  gateway = await startBillingGateway({
    env: { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-ledger-rejected-')), CACHE_ENABLED: 'false' },
    configFile: writeGatewayConfig(upstream.url),
  });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('ledger rows for early refusals', () => {
  it('bad JSON and invalid messages each leave one free row with the status; a model listing leaves none', async () => {
    const { key, id } = await gateway.createKey({ name: 'early', credits: 1 });
    const post = (path: string, body: string) =>
      fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body,
      });
    expect((await post('/v1/chat/completions', '{"model":')).status).toBe(400);
    expect((await post('/v1/chat/completions', '{"model":"mock-1","messages":"nope"}')).status).toBe(400);
    expect((await post('/v1/embeddings', '[')).status).toBe(400);
    await gateway.client(key).models.list();
    await gateway.flush();
    const rows = await gateway.billing.storage.usage.list({ keyId: id });
    expect(rows.map((row) => [row.status, row.cost, row.model === '' || row.model === 'mock-1'])).toEqual([
      [400, 0, true],
      [400, 0, true],
      [400, 0, true],
    ]);
  });
});
