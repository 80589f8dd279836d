/**
 * Anthropic's Messages API on the credit-billed gateway (SQLite): a virtual key sent as `x-api-key` is charged
 * from the upstream's usage exactly as for chat completions, streams included; refusals come in Anthropic's shape.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import {
  answerWith,
  type BillingGateway,
  startBillingGateway,
  waitFor,
  writeGatewayConfig,
} from './billing-harness.js';

let upstream: MockUpstream;
let gateway: BillingGateway;

beforeAll(async () => {
  upstream = await startMockUpstream(answerWith());
  gateway = await startBillingGateway({
    env: { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-anthropic-billing-')), CACHE_ENABLED: 'false' },
    configFile: writeGatewayConfig(upstream.url),
  });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

const client = (apiKey: string) => new Anthropic({ apiKey, baseURL: gateway.url, maxRetries: 0, timeout: 15_000 });
const ask = { model: 'mock-1', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };

describe('POST /v1/messages with billing', () => {
  it('charges a message and a stream from the reported usage, with exact money in the headers', async () => {
    const { key, id } = await gateway.createKey({ name: 'anthropic-client', credits: 10 });
    const { data, response } = await client(key).messages.create(ask).withResponse();
    expect(data.usage).toEqual({
      input_tokens: 100,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 50,
    });
    // 100 prompt tokens × $10/1M + 50 completion tokens × $30/1M = $0.0025.
    expect(response.headers.get('x-llamagate-cost')).toBe('0.002500');
    expect(response.headers.get('x-llamagate-credits-remaining')).toBe('9.997500');
    const final = await client(key).messages.stream(ask).finalMessage();
    expect(final.usage.output_tokens).toBe(50);
    const records = await waitFor(async () => {
      await gateway.flush();
      const list = await gateway.billing.storage.usage.list({ keyId: id });
      return list.length === 2 ? list : undefined;
    });
    expect(records.map((record) => [record.cost, record.promptTokens, record.completionTokens, record.status])).toEqual(
      [
        [2500, 100, 50, 200],
        [2500, 100, 50, 200],
      ],
    );
  });

  it("refuses in Anthropic's shape before any upstream call", async () => {
    upstream.requests.length = 0;
    const { key } = await gateway.createKey({ name: 'broke', credits: 0 });
    const error = await client(key)
      .messages.create(ask)
      .catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(402);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'billing_error' },
    });
    expect(upstream.requests).toHaveLength(0);
  });
});
