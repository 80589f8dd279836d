/**
 * A mixed pool (an OpenAI and an Anthropic member) reached with a model name (issue 18, item 20): each member is
 * asked for a model it serves. The OpenAI member always fails, so every request also reaches the Anthropic one,
 * and both mock upstreams record the model they were sent.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failWith } from '../../src/test-support/client-mocks.js';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { anthropicReplay } from '../../src/test-support/replay-anthropic.js';
import { type Harness, startGateway } from './gateway-harness.js';
import { writeConfig } from './routing-upstreams.js';

const anthropicFixtures = fileURLToPath(new URL('../../src/providers/anthropic/__fixtures__', import.meta.url));

let openai: MockUpstream;
let anthropic: MockUpstream;
let gateway: Harness;

beforeAll(async () => {
  openai = await startMockUpstream(failWith(500, 'openai member down'));
  anthropic = await startMockUpstream(anthropicReplay(anthropicFixtures, 'anthropic-text'));
  gateway = await startGateway({
    configFile: writeConfig(`defaultBackend: llm-pool
cache: { enabled: false }
healthCheckInterval: 0
backends:
  - { name: openai-backend, type: openai, config: { apiKey: k, endpoint: "${openai.url}/v1", defaultModel: gpt-4o-mini } }
  - { name: anthropic-backend, type: anthropic, config: { apiKey: k, endpoint: "${anthropic.url}", defaultModel: claude-3-5-haiku-latest } }
  - { name: llm-pool, type: pool, strategy: priority, fallback: true, backends: [openai-backend, anthropic-backend] }
routes:
  - { name: chat, path: /v1/chat/completions, methods: [POST], backend: llm-pool }
`),
  });
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([openai.close(), anthropic.close()]);
});
beforeEach(() => {
  openai.requests.length = 0;
  anthropic.requests.length = 0;
});

const modelsSent = (upstream: MockUpstream) =>
  upstream.requests.map((request) => (request.body as { model?: string } | undefined)?.model);

async function ask(model: string) {
  const completion = await gateway
    .client()
    .chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
  return {
    answered: completion.choices[0]?.finish_reason,
    openai: modelsSent(openai),
    anthropic: modelsSent(anthropic),
  };
}

describe('a model name reaching a mixed pool', () => {
  it("an OpenAI model through the route's pool: the Anthropic member gets its own default, not gpt-4o", async () => {
    expect(await ask('gpt-4o')).toEqual({
      answered: 'stop',
      openai: ['gpt-4o'],
      anthropic: ['claude-3-5-haiku-latest'],
    });
  });

  it('the same through `<pool>/<model>`', async () => {
    expect(await ask('llm-pool/gpt-4o')).toEqual({
      answered: 'stop',
      openai: ['gpt-4o'],
      anthropic: ['claude-3-5-haiku-latest'],
    });
  });

  it('a Claude model: the OpenAI member gets its own default, the Anthropic member the model asked for', async () => {
    expect(await ask('claude-3-7-sonnet-latest')).toEqual({
      answered: 'stop',
      openai: ['gpt-4o-mini'],
      anthropic: ['claude-3-7-sonnet-latest'],
    });
  });

  it('the pool or route named as the model: each member its default (as before)', async () => {
    expect(await ask('llm-pool')).toEqual({
      answered: 'stop',
      openai: ['gpt-4o-mini'],
      anthropic: ['claude-3-5-haiku-latest'],
    });
    openai.requests.length = 0;
    anthropic.requests.length = 0;
    expect(await ask('chat')).toEqual({
      answered: 'stop',
      openai: ['gpt-4o-mini'],
      anthropic: ['claude-3-5-haiku-latest'],
    });
  });

  it('the Anthropic Messages API (a path no route covers) follows the same rule through `<pool>/<model>`', async () => {
    const response = await fetch(`${gateway.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'llm-pool/gpt-4o', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status, await response.clone().text()).toBe(200);
    expect({ openai: modelsSent(openai), anthropic: modelsSent(anthropic) }).toEqual({
      openai: ['gpt-4o'],
      anthropic: ['claude-3-5-haiku-latest'],
    });
  });
});
