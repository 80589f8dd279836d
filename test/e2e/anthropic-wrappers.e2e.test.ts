/**
 * Anthropic clients through a chat wrapper (what the MCP tool loop registers) to an Anthropic backend: a
 * stream the wrapper builds itself is encoded from its parts, never relayed from the upstream's bytes, and
 * calls the wrapper rewrites still carry the client's `anthropic-beta`; Anthropic's stop_sequence survives re-encoding.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatStreamPart } from '../../src/spec/chat.js';
import type { ChatCallWrapper } from '../../src/spec/chat-call.js';
import { type MockUpstream, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { anthropicReplay } from '../../src/test-support/replay-anthropic.js';
import { type Harness, startGateway } from './gateway-harness.js';

const fixtures = fileURLToPath(new URL('../../src/providers/anthropic/__fixtures__', import.meta.url));

let upstream: MockUpstream;
let gateway: Harness;

/** Marks every text delta of a stream: the stream is the wrapper's own, built from the routed call's parts. */
async function* marked(parts: AsyncIterable<ChatStreamPart>): AsyncGenerator<ChatStreamPart> {
  for await (const part of parts)
    yield part.type === 'text-delta' ? { ...part, delta: part.delta.toUpperCase() } : part;
}

/** Streams are the wrapper's own; a message is asked twice, the second time with a follow-up (a rewrite). */
const shouting: ChatCallWrapper = (next) => ({
  async generate(request, options) {
    const first = await next.generate(request, options);
    const followUp = {
      ...request,
      messages: [
        ...request.messages,
        { role: 'assistant' as const, content: first.choices[0]?.message.content ?? '' },
        { role: 'user' as const, content: 'Again?' },
      ],
    };
    return next.generate(followUp, options);
  },
  async stream(request, options) {
    const inner = await next.stream(request, options);
    return { ...inner, parts: marked(inner.parts) };
  },
});

beforeAll(async () => {
  upstream = await startMockUpstream(anthropicReplay(fixtures, 'anthropic-text'));
  const file = join(mkdtempSync(join(tmpdir(), 'lg-anthropic-wrappers-')), 'llamagate.yaml');
  writeFileSync(
    file,
    `defaultBackend: claude
healthCheckInterval: 0
backends:
  - { name: claude, type: anthropic, config: { endpoint: "\${ANTHROPIC}/v1", apiKey: sk-ant-upstream } }
`,
  );
  gateway = await startGateway({ env: { ANTHROPIC: upstream.url }, configFile: file, chatWrappers: [shouting] });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

const client = () => new Anthropic({ apiKey: 'unused', baseURL: gateway.url, maxRetries: 0, timeout: 15_000 });
const ask = {
  model: 'claude-sonnet-4-5-20250929',
  max_tokens: 64,
  messages: [{ role: 'user' as const, content: 'Hello?' }],
};

describe('Anthropic clients through a chat wrapper', () => {
  it("encodes the wrapper's own stream from its parts instead of relaying the upstream's bytes", async () => {
    const stream = client().messages.stream(ask);
    const final = await stream.finalMessage();
    expect(final.content).toEqual([
      {
        type: 'text',
        text: "HELLO! I'M DOING WELL, THANK YOU FOR ASKING. HOW ARE YOU DOING TODAY? IS THERE ANYTHING I CAN HELP YOU WITH?",
      },
    ]);
    expect(final.usage).toMatchObject({ input_tokens: 12, output_tokens: 30 });
    // The call itself still went to Anthropic as the client's own body.
    expect(JSON.parse(upstream.requests[0]?.rawBody.toString('utf8') ?? '{}')).toEqual({ ...ask, stream: true });
  });

  it("keeps the client's anthropic-beta on every call, the rewritten ones included", async () => {
    const beta = 'context-1m-2025-08-07,interleaved-thinking-2025-05-14';
    const message = await client().messages.create(ask, { headers: { 'anthropic-beta': beta } });
    expect(message.content[0]).toMatchObject({ type: 'text' });
    expect(upstream.requests).toHaveLength(2);
    // The first call is the client's own body; the second is rebuilt from the neutral request.
    expect(JSON.parse(upstream.requests[0]?.rawBody.toString('utf8') ?? '{}')).toEqual(ask);
    expect(upstream.requests[1]?.body).toMatchObject({
      messages: [
        { role: 'user' },
        { role: 'assistant' },
        { role: 'user', content: [{ type: 'text', text: 'Again?' }] },
      ],
    });
    expect(upstream.requests.map((request) => request.headers['anthropic-beta'])).toEqual([beta, beta]);

    await client()
      .messages.stream(ask, { headers: { 'anthropic-beta': beta } })
      .finalMessage();
    expect(upstream.requests[2]?.headers['anthropic-beta']).toBe(beta);
  });

  it("reports Anthropic's stop_sequence in a stream the gateway encodes itself", async () => {
    const message = { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5-20250929' };
    const events = [
      {
        type: 'message_start',
        message: { ...message, content: [], stop_reason: null, stop_sequence: null, usage: {} },
      },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'one, two' } },
      { type: 'content_block_stop', index: 0 },
      {
        type: 'message_delta',
        delta: { stop_reason: 'stop_sequence', stop_sequence: ', three' },
        usage: { output_tokens: 3 },
      },
      { type: 'message_stop' },
    ];
    upstream.handle((_, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join(''));
    });
    try {
      const final = await client()
        .messages.stream({ ...ask, stop_sequences: [', three'] })
        .finalMessage();
      expect(final.content).toEqual([{ type: 'text', text: 'ONE, TWO' }]);
      expect([final.stop_reason, final.stop_sequence]).toEqual(['stop_sequence', ', three']);
    } finally {
      upstream.handle(anthropicReplay(fixtures, 'anthropic-text'));
    }
  });
});
