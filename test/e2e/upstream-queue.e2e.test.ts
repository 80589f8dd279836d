/**
 * A backend's upstream wait queue is full (issue 18, item 17): the gateway answers at once with 503 and
 * `Retry-After` in each inbound API's own error format, instead of holding the client until its deadline.
 * The backend allows one connection and no waiting, so a second call while the first is held is refused.
 */
import Anthropic from '@anthropic-ai/sdk';
import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, sendJson, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { type Harness, startGateway } from './gateway-harness.js';
import { caught, writeConfig } from './routing-upstreams.js';

let slow: MockUpstream;
let gateway: Harness;
let gate: Promise<void> | undefined;
let release: () => void = () => {};

const chatCalls = () => slow.requests.filter((request) => !request.path.endsWith('/models'));

beforeAll(async () => {
  // Health checks (`GET /models`) answer at once; a chat call waits while a gate is set.
  slow = await startMockUpstream(async (request, response) => {
    if (request.path.endsWith('/models')) return sendJson(response, 200, { object: 'list', data: [] });
    const held = gate;
    gate = undefined;
    if (held !== undefined) await held;
    sendJson(response, 200, {
      id: 'chatcmpl-slow',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'from slow' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });
  gateway = await startGateway({
    configFile: writeConfig(`defaultBackend: slow
cache: { enabled: false }
backends:
  - { name: slow, type: openai-compatible, config: { endpoint: "${slow.url}/v1", maxConnections: 1, maxQueuedRequests: 0, maxRetries: 3 } }
`),
    env: { LLAMAGATE_MASTER_KEY: 'master' },
  });
});
afterAll(async () => {
  release();
  await gateway.close();
  await slow.close();
});

/** Holds the upstream's first answer until the returned function is called, and waits until it arrived. */
async function occupyTheOnlyConnection(): Promise<{ first: Promise<unknown> }> {
  gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const before = chatCalls().length;
  const first = gateway.client().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  while (chatCalls().length === before) await new Promise((resolve) => setTimeout(resolve, 10));
  // Wrapped: an async function returning the bare promise would wait for it.
  return { first };
}

async function raw(path: string, body: unknown): Promise<{ status: number; retryAfter: string | null; body: unknown }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  // The request id differs on every run.
  const json = JSON.parse(text.replace(/"request_id":"[^"]+"/, '"request_id":"…"')) as unknown;
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: json };
}

describe('a full upstream queue', () => {
  it('the openai client gets an APIError with status 503 and Retry-After, early', async () => {
    const { first } = await occupyTheOnlyConnection();
    const started = performance.now();
    const error = await caught(
      gateway.client().chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'second' }] }),
    );
    // Not retried on the same backend (maxRetries: 3 with Retry-After 1 would take 3 s).
    expect(performance.now() - started).toBeLessThan(900);
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(503);
    expect(error.headers?.get('retry-after')).toBe('1');
    expect(error.error).toMatchObject({ type: 'service_unavailable_error', code: 'upstream_queue_full' });
    release();
    expect(((await first) as { choices: { message: { content: string } }[] }).choices[0]?.message.content).toBe(
      'from slow',
    );
  });

  it('a streaming request gets the 503 before any stream starts', async () => {
    const { first } = await occupyTheOnlyConnection();
    const error = await caught(
      gateway
        .client()
        .chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(503);
    expect(error.headers?.get('retry-after')).toBe('1');
    release();
    await first;
  });

  it('the anthropic client gets a 503 in the Messages error shape', async () => {
    const { first } = await occupyTheOnlyConnection();
    const client = new Anthropic({ apiKey: 'unused', baseURL: gateway.url, maxRetries: 0 });
    const error = await client.messages
      .create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'second' }] })
      .then(
        () => undefined,
        (caughtError: unknown) => caughtError,
      );
    expect(error).toBeInstanceOf(Anthropic.APIError);
    const apiError = error as InstanceType<typeof Anthropic.APIError>;
    expect(apiError.status).toBe(503);
    expect(apiError.headers?.get('retry-after')).toBe('1');
    expect(apiError.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    release();
    await first;
  });

  it('Ollama /api/chat and the Responses API answer 503 with Retry-After in their formats', async () => {
    let { first } = await occupyTheOnlyConnection();
    const ollama = await raw('/api/chat', { model: 'm', stream: false, messages: [{ role: 'user', content: 'x' }] });
    release();
    await first;
    ({ first } = await occupyTheOnlyConnection());
    const responses = await raw('/v1/responses', { model: 'm', input: 'x' });
    release();
    await first;
    expect({ ollama, responses }).toMatchInlineSnapshot(`
      {
        "ollama": {
          "body": {
            "error": "openai-compatible is at its connection limit (1 busy, 0 waiting); retry shortly",
          },
          "retryAfter": "1",
          "status": 503,
        },
        "responses": {
          "body": {
            "error": {
              "code": "upstream_queue_full",
              "message": "openai-compatible is at its connection limit (1 busy, 0 waiting); retry shortly",
              "param": null,
              "request_id": "…",
              "type": "service_unavailable_error",
            },
          },
          "retryAfter": "1",
          "status": 503,
        },
      }
    `);
  });
});
