/**
 * Wrappers around the routed chat call (what the MCP tool loop registers): the exchange applies them for every
 * inbound request, and the routed call underneath still reports which backend served and how many attempts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatCallContext, ChatCallWrapper } from '../../src/spec/chat-call.js';
import {
  type MockUpstream,
  readChunks,
  readFixture,
  sendJson,
  sendStream,
  startMockUpstream,
} from '../../src/test-support/mock-upstream.js';
import { type Harness, startGateway } from './gateway-harness.js';

let upstream: MockUpstream;
let gateway: Harness;
const seen: ChatCallContext[] = [];

/** Asks the model twice, the second time with its first answer and a follow-up, and marks the final answer. */
const twice: ChatCallWrapper = (next, context) => ({
  async generate(request, options) {
    seen.push(context);
    const first = await next.generate(request, options);
    const followUp = {
      ...request,
      messages: [
        ...request.messages,
        { role: 'assistant' as const, content: first.choices[0]?.message.content ?? '' },
        { role: 'user' as const, content: 'again' },
      ],
    };
    const second = await next.generate(followUp, options);
    return {
      ...second,
      choices: second.choices.map((choice) => ({
        ...choice,
        message: { ...choice.message, content: `wrapped: ${choice.message.content}` },
      })),
    };
  },
  stream(request, options) {
    seen.push(context);
    return next.stream(request, options);
  },
});

beforeAll(async () => {
  upstream = await startMockUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'lg-wrappers-'));
  const file = join(dir, 'llamagate.yaml');
  writeFileSync(
    file,
    `defaultBackend: local\nbackends:\n  - name: local\n    type: openai-compatible\n    config: { endpoint: "\${UPSTREAM}/v1", apiKey: k }\n`,
  );
  gateway = await startGateway({ env: { UPSTREAM: upstream.url }, configFile: file, chatWrappers: [twice] });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  seen.length = 0;
  // OpenAI's exact format: without the wrapper, these bytes would reach the client unchanged.
  upstream.handle((_, res) => sendJson(res, 200, readFixture('openai', 'openai-text.json')));
});

describe('chat call wrappers', () => {
  it('wrap the routed call; the answer is the wrapper’s, routing is reported over both upstream calls', async () => {
    const { data, response } = await gateway
      .client()
      .chat.completions.create({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toMatch(/^wrapped: \*\*/);
    expect(response.headers.get('x-llamagate-backend')).toBe('local');
    expect(response.headers.get('x-llamagate-attempts')).toBe('2');
    const requestId = response.headers.get('x-request-id');
    expect(seen).toEqual([{ requestId, model: 'gpt-4.1-nano', stream: false }]);
    // The first call forwards the client's bytes; the changed request is rebuilt, never sent as those bytes.
    expect(upstream.requests[0]?.rawBody.toString()).toBe(
      '{"model":"gpt-4.1-nano","messages":[{"role":"user","content":"hi"}]}',
    );
    expect(upstream.requests[1]?.body).toMatchObject({
      model: 'gpt-4.1-nano',
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: expect.stringMatching(/^\*\*/) },
        { role: 'user', content: 'again' },
      ],
    });
    const line = gateway.logs.find((entry) => entry.requestId === requestId && entry.msg === 'request');
    expect(line).toMatchObject({ backend: 'local', status: 200, model: 'gpt-4.1-nano' });
  });

  it('wrap streams too', async () => {
    upstream.handle((_, res) =>
      sendStream(res, readChunks('openai-compatible', 'xai-text.chunks.txt'), { format: 'sse', done: true }),
    );
    const { data: stream, response } = await gateway
      .client()
      .chat.completions.create({ model: 'grok-3-mini', messages: [{ role: 'user', content: 'hi' }], stream: true })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(response.headers.get('x-llamagate-backend')).toBe('local');
    expect(response.headers.get('x-llamagate-attempts')).toBe('1');
    expect(seen).toEqual([{ requestId: response.headers.get('x-request-id'), model: 'grok-3-mini', stream: true }]);
  });
});
