/**
 * Anthropic's Messages API on the credit-billed gateway (SQLite): a virtual key sent as `x-api-key` is charged
 * from the upstream's usage exactly as for chat completions, streams included; refusals come in Anthropic's shape.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { anthropicReplay } from '../../src/test-support/replay-anthropic.js';
import { answerWith, type BillingGateway, PRICES_YAML, startBillingGateway, waitFor } from './billing-harness.js';

let upstream: MockUpstream;
let claude: MockUpstream;
let gateway: BillingGateway;

beforeAll(async () => {
  upstream = await startMockUpstream(answerWith());
  claude = await startMockUpstream(
    anthropicReplay(
      fileURLToPath(new URL('../../src/providers/anthropic/__fixtures__', import.meta.url)),
      'anthropic-text',
    ),
  );
  const dir = mkdtempSync(join(tmpdir(), 'lg-anthropic-billing-'));
  const configFile = join(dir, 'llamagate.yaml');
  writeFileSync(
    configFile,
    `defaultBackend: local
backends:
  - { name: local, type: openai-compatible, config: { endpoint: "${upstream.url}/v1", apiKey: sk-upstream } }
  - { name: claude, type: anthropic, config: { endpoint: "${claude.url}/v1", apiKey: sk-ant-upstream } }
${PRICES_YAML}  "claude-sonnet-*": { input: "3.00", output: "15.00" }
`,
  );
  gateway = await startBillingGateway({ env: { LLAMAGATE_DATA_DIR: dir, CACHE_ENABLED: 'false' }, configFile });
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await claude?.close();
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

  it('charges a stream relayed byte for byte from an Anthropic backend, from the usage in its events', async () => {
    const { key, id } = await gateway.createKey({ name: 'claude-client', credits: 10 });
    const stream = client(key).messages.stream({ ...ask, model: 'claude/claude-sonnet-4-5-20250929' });
    const final = await stream.finalMessage();
    expect(final.usage).toMatchObject({ input_tokens: 12, output_tokens: 30 });
    const records = await waitFor(async () => {
      await gateway.flush();
      const list = await gateway.billing.storage.usage.list({ keyId: id });
      return list.length === 1 ? list : undefined;
    });
    // 12 prompt tokens × $3/1M + 30 completion tokens × $15/1M = $0.000486.
    expect(records.map((record) => [record.cost, record.promptTokens, record.completionTokens, record.status])).toEqual(
      [[486, 12, 30, 200]],
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
