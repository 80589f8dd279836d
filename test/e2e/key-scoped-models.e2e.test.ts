/** `/v1/models` and `/v1/models/{id}` show a virtual key only the models its allow-list admits (issue 18, item 7). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, sendJson, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import {
  answerWith,
  type BillingGateway,
  MASTER_KEY,
  startBillingGateway,
  writeGatewayConfig,
} from './billing-harness.js';

let upstream: MockUpstream;
let gateway: BillingGateway;

beforeAll(async () => {
  upstream = await startMockUpstream((request, response) =>
    request.path.endsWith('/models')
      ? sendJson(response, 200, {
          object: 'list',
          data: ['llama3.2', 'llama3.1', 'gpt-4o'].map((id) => ({ id, object: 'model', created: 0, owned_by: 'x' })),
        })
      : answerWith()(request, response),
  );
  gateway = await startBillingGateway({
    env: { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-key-models-')) },
    configFile: writeGatewayConfig(upstream.url),
  });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});

describe('models a key may see', () => {
  it('a key limited to llama* lists only those, and fetching another is a 404', async () => {
    const { key } = await gateway.createKey({ name: 'llamas', credits: 1, models: ['llama*'] });
    const client = gateway.client(key);
    expect((await client.models.list()).data.map((model) => model.id).sort()).toEqual(['llama3.1', 'llama3.2']);
    expect((await client.models.retrieve('llama3.2')).id).toBe('llama3.2');
    const refused = await client.models.retrieve('gpt-4o').catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(APIError);
    expect((refused as APIError).status).toBe(404);
    expect((refused as APIError).error).toMatchObject({ code: 'model_not_found', param: 'model' });
  });

  it('a key without a list and the master key see every model', async () => {
    const { key } = await gateway.createKey({ name: 'anything', credits: 1 });
    for (const secret of [key, MASTER_KEY]) {
      const ids = (await gateway.client(secret).models.list()).data.map((model) => model.id);
      expect(ids.sort(), secret === MASTER_KEY ? 'master' : 'key').toEqual(['gpt-4o', 'llama3.1', 'llama3.2']);
      expect((await gateway.client(secret).models.retrieve('gpt-4o')).id).toBe('gpt-4o');
    }
  });
});
