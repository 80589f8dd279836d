/**
 * The library against a real LlamaGate gateway (`llamagate/<model>` with LLAMAGATE_API_BASE), the gateway in
 * turn relaying to a mock OpenAI-compatible upstream that replays recorded traffic.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startGateway } from '../../test/e2e/gateway-harness.js';
import { AuthenticationError, RateLimitError } from '../spec/errors.js';
import { embeddingsFor, failWith, fixtureDirs } from '../test-support/client-mocks.js';
import { bodyOf, type MockUpstream, startMockUpstream } from '../test-support/mock-upstream.js';
import { openaiReplay } from '../test-support/replay-openai.js';
import { LlamaGate } from './llamagate-client.js';

let upstream: MockUpstream;
let gateway: Harness;

beforeAll(async () => {
  upstream = await startMockUpstream();
  const file = join(mkdtempSync(join(tmpdir(), 'lg-client-')), 'llamagate.yaml');
  writeFileSync(
    file,
    'defaultBackend: local\nbackends:\n  - name: local\n    type: openai-compatible\n    config: { endpoint: "${UPSTREAM}/v1", apiKey: sk-upstream }\n',
  );
  gateway = await startGateway({ env: { UPSTREAM: upstream.url, API_KEY: 'gateway-secret' }, configFile: file });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  gateway.gateway.context.cache?.clear();
  upstream.handle((request, response) =>
    request.path.endsWith('/embeddings')
      ? embeddingsFor(request, response)
      : openaiReplay(fixtureDirs.openai, 'openai-text')(request, response),
  );
});

const client = (key = 'gateway-secret') =>
  new LlamaGate({ env: { LLAMAGATE_API_BASE: gateway.baseURL, LLAMAGATE_API_KEY: key } });
const messages = [{ role: 'user' as const, content: 'Invent a holiday.' }];

describe('the library through a LlamaGate gateway', () => {
  it('completes with llamagate/<model>, the gateway resolving the rest', async () => {
    const response = await client().completion({ model: 'llamagate/local/gpt-4.1-nano', messages });
    expect(response.provider).toBe('llamagate');
    expect(response.text).toMatch(/Galaxy Day/);
    expect(response.usage).toMatchObject({ promptTokens: 16, completionTokens: 363 });
    expect(bodyOf(upstream.requests[0]).model).toBe('gpt-4.1-nano');
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer sk-upstream');
  });

  it('streams through the gateway', async () => {
    const stream = client().completion({ model: 'llamagate/gpt-4.1-nano', messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.delta;
    const response = await stream.finalResponse();
    expect(text).toMatch(/^\*\*Holiday Name:\*\* Harmony Day/);
    expect(response.usage.totalTokens).toBe(316);
  });

  it('embeds through the gateway', async () => {
    const result = await client().embed({ model: 'llamagate/text-embedding-3-small', input: ['a', 'b', 'c'] });
    expect(result.embeddings.map((vector) => vector[0])).toEqual([0, 1, 2]);
  });

  it("surfaces the gateway's errors as the same typed errors", async () => {
    const denied = await client('wrong-key')
      .completion({ model: 'llamagate/gpt-4.1-nano', messages })
      .catch((e: unknown) => e);
    expect(AuthenticationError.isInstance(denied)).toBe(true);
    expect(upstream.requests).toHaveLength(0);

    upstream.handle(failWith(429, 'Rate limit reached', { 'retry-after': '3' }));
    const limited = await client()
      .completion({ model: 'llamagate/gpt-4.1-nano', messages })
      .catch((e: unknown) => e);
    expect(RateLimitError.isInstance(limited)).toBe(true);
    expect(limited).toMatchObject({ provider: 'llamagate', status: 429 });
  });
});
