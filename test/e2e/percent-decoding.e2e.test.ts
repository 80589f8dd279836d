/** Malformed percent-encoding in a path segment or a `data:` image URL is a 400 in the error shape, never a 500 (issue 18, item 14). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith, type BillingGateway, startBillingGateway, writeGatewayConfig } from './billing-harness.js';
import { type Harness, startGateway } from './gateway-harness.js';

let ollama: MockUpstream;
let upstream: MockUpstream;
let gateway: Harness;
let billed: BillingGateway;

beforeAll(async () => {
  ollama = await startMockUpstream();
  upstream = await startMockUpstream(answerWith());
  gateway = await startGateway({ env: { OLLAMA_HOST: ollama.url, API_KEY: 'gateway-secret' } });
  billed = await startBillingGateway({
    env: { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-percent-')) },
    configFile: writeGatewayConfig(upstream.url),
  });
});
afterAll(async () => {
  await gateway.close();
  await billed.close();
  await ollama.close();
  await upstream.close();
});

describe('malformed percent-encoding', () => {
  it('GET /v1/models/%E0%A4%A is a 400 naming the model parameter', async () => {
    const response = await fetch(`${gateway.url}/v1/models/%E0%A4%A`, {
      headers: { authorization: 'Bearer gateway-secret' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_request', param: 'model' },
    });
  });

  it('GET and DELETE /admin/keys/% are 400s', async () => {
    for (const method of ['GET', 'DELETE']) {
      const answer = await billed.admin<{ error: Record<string, unknown> }>(method, '/admin/keys/abc%');
      expect(answer.status, method).toBe(400);
      expect(answer.body.error, method).toMatchObject({ type: 'invalid_request_error', param: 'path' });
    }
  });

  it('a data: image URL with a broken escape is a 400 through the official client, and reaches no upstream', async () => {
    const error = await gateway
      .client('gateway-secret')
      .chat.completions.create({
        model: 'llama3.2',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/svg+xml,%3Csvg%ZZ' } }] },
        ],
      })
      .catch((caught: unknown) => caught as { status: number; error: unknown });
    expect(error).toMatchObject({
      status: 400,
      error: { type: 'invalid_request_error', param: 'image_url' },
    });
    expect(ollama.requests).toEqual([]);
  });
});
