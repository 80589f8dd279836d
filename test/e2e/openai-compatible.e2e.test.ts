import { getEventListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import OpenAI, { type APIError } from 'openai';
import { Pool } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectionSignal } from '../../src/server/gateway-server.js';
import {
  bodyOf,
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

beforeAll(async () => {
  upstream = await startMockUpstream();
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'lg-e2e-'));
  const file = join(dir, 'llamagate.yaml');
  writeFileSync(
    file,
    `defaultBackend: local\nbackends:\n  - name: local\n    type: openai-compatible\n    config: { endpoint: "\${UPSTREAM}/v1", apiKey: "\${UPSTREAM_KEY}" }\n`,
  );
  gateway = await startGateway({ env: { UPSTREAM: upstream.url, UPSTREAM_KEY: 'sk-upstream' }, configFile: file });
});
afterAll(async () => {
  await gateway.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  gateway.gateway.context.cache?.clear();
  upstream.handle((_, res) => sendJson(res, 200, readFixture('openai-compatible', 'xai-text.json')));
});

describe('OpenAI-compatible upstream through the gateway, driven by the openai client', () => {
  it('answers a chat completion and forwards the body untouched with the backend key', async () => {
    const completion = await gateway.client().chat.completions.create({
      model: 'grok-3-mini',
      messages: [{ role: 'user', content: 'Say a single word.' }],
      temperature: 0,
    });
    expect(completion.choices[0]?.message.content).toBe('Grok');
    expect(completion.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 2, total_tokens: 334 });
    expect(upstream.requests[0]?.headers.authorization).toBe('Bearer sk-upstream');
    expect(upstream.requests[0]?.rawBody.toString()).toBe(
      '{"model":"grok-3-mini","messages":[{"role":"user","content":"Say a single word."}],"temperature":0}',
    );
    expect(upstream.requests[0]?.headers['x-request-id']).toBeTruthy();
  });

  it('repairs the shorthands it accepts (string image_url, object tool arguments) before forwarding', async () => {
    const messages = [
      { role: 'user', content: [{ type: 'image_url', image_url: 'https://example.com/cat.png' }] },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'look', arguments: { a: 1 } } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
    ];
    const completion = await gateway.client().chat.completions.create({
      model: 'grok-3-mini',
      messages: messages as unknown as OpenAI.ChatCompletionMessageParam[],
    });
    expect(completion.choices[0]?.message.content).toBe('Grok');
    expect(upstream.requests[0]?.rawBody.toString()).toBe(
      '{"model":"grok-3-mini","messages":[' +
        '{"role":"user","content":[{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]},' +
        '{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"look","arguments":"{\\"a\\":1}"}}]},' +
        '{"role":"tool","tool_call_id":"call_1","content":"a cat"}]}',
    );
  });

  it("returns an upstream answer already in OpenAI's exact format byte for byte, unknown fields included", async () => {
    const recorded = readFileSync(
      fileURLToPath(new URL('../../src/providers/openai/__fixtures__/openai-text.json', import.meta.url)),
    );
    upstream.handle((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': recorded.byteLength });
      res.end(recorded);
    });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4.1-nano', messages: [{ role: 'user', content: 'Invent a holiday.' }] }),
    });
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(recorded)).toBe(true);
    expect(response.headers.get('content-length')).toBe(String(recorded.byteLength));
    expect(response.headers.get('x-llamagate-backend')).toBe('local');
    const line = gateway.logs.find((entry) => entry.requestId === response.headers.get('x-request-id'));
    expect(line).toMatchObject({ promptTokens: 16, completionTokens: 363 });
  });

  it('re-encodes an answer that is not in OpenAI exact format (null tool_calls, a vendor finish reason)', async () => {
    const recorded = readFixture('mistral', 'mistral-text.json') as { choices: { finish_reason: string }[] };
    (recorded.choices[0] as { finish_reason: string }).finish_reason = 'eos';
    upstream.handle((_, res) => sendJson(res, 200, recorded));
    const completion = await gateway.client().chat.completions.create({
      model: 'mistral-small-latest',
      messages: [{ role: 'user', content: 'Invent a holiday.' }],
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.choices[0]?.message).not.toHaveProperty('tool_calls');
    expect(completion.usage).toEqual({ prompt_tokens: 13, completion_tokens: 434, total_tokens: 447 });
  });

  it('addresses a backend by name as <backend>/<model> and strips the prefix', async () => {
    await gateway
      .client()
      .chat.completions.create({ model: 'local/grok-3-mini', messages: [{ role: 'user', content: 'x' }] });
    expect(bodyOf(upstream.requests[0]).model).toBe('grok-3-mini');
  });

  it('streams chunks as SSE with role first, finish reason, usage when asked, then [DONE]', async () => {
    upstream.handle((_, res) =>
      sendStream(res, readChunks('openai-compatible', 'xai-text.chunks.txt'), { format: 'sse', done: true }),
    );
    const stream = await gateway.client().chat.completions.create({
      model: 'grok-3-mini',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('Grok');
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('stop');
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 2 });
  });

  it('leaves the usage chunk out when the client did not ask for it, but still asks upstream for it', async () => {
    upstream.handle((_, res) =>
      sendStream(res, readChunks('openai-compatible', 'xai-text.chunks.txt'), { format: 'sse', done: true }),
    );
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'grok-3-mini', messages: [{ role: 'user', content: 'x' }], stream: true }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const text = await response.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text).not.toContain('"usage"');
    expect(bodyOf(upstream.requests[0]).stream_options).toEqual({
      include_usage: true,
    });
  });

  it('round-trips a tool call: streamed tool deltas, then the tool result turn forwarded intact', async () => {
    upstream.handle((_, res) =>
      sendStream(res, readChunks('openai-compatible', 'xai-tool-call.chunks.txt'), { format: 'sse', done: true }),
    );
    const tools: OpenAI.ChatCompletionTool[] = [
      {
        type: 'function',
        function: { name: 'getWeather', parameters: { type: 'object', properties: { location: { type: 'string' } } } },
      },
    ];
    const stream = await gateway.client().chat.completions.create({
      model: 'grok-3-mini',
      messages: [{ role: 'user', content: 'weather in SF?' }],
      tools,
      stream: true,
    });
    let id = '';
    let name = '';
    let args = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        if (call.id) id = call.id;
        if (call.function?.name) name = call.function.name;
        args += call.function?.arguments ?? '';
      }
      finish ??= chunk.choices[0]?.finish_reason;
    }
    expect(id).not.toBe('');
    expect(name).not.toBe('');
    expect(JSON.parse(args)).toBeTypeOf('object');
    expect(finish).toBe('tool_calls');

    upstream.handle((_, res) => sendJson(res, 200, readFixture('openai-compatible', 'xai-text.json')));
    await gateway.client().chat.completions.create({
      model: 'grok-3-mini',
      tools,
      messages: [
        { role: 'user', content: 'weather in SF?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id, type: 'function', function: { name, arguments: args } }],
        },
        { role: 'tool', tool_call_id: id, content: '{"temperature":18}' },
      ],
    });
    const sent = upstream.requests.at(-1)?.body as { messages: { role: string; tool_call_id?: string }[] };
    expect(sent.messages[2]).toEqual({ role: 'tool', tool_call_id: id, content: '{"temperature":18}' });
  });

  it('serves embeddings as floats and as base64', async () => {
    const vector = [0.25, -0.5, 1];
    upstream.handle((_, res) =>
      sendJson(res, 200, {
        object: 'list',
        model: 'embed-1',
        data: [{ object: 'embedding', index: 0, embedding: vector }],
        usage: { prompt_tokens: 3, total_tokens: 3 },
      }),
    );
    const floats = await gateway
      .client()
      .embeddings.create({ model: 'embed-1', input: 'hello', encoding_format: 'float' });
    expect(floats.data[0]?.embedding).toEqual(vector);
    expect(floats.usage.prompt_tokens).toBe(3);
    const raw = await fetch(`${gateway.baseURL}/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'embed-1', input: ['hello'], encoding_format: 'base64' }),
    });
    const body = (await raw.json()) as { data: { embedding: string }[] };
    const bytes = Buffer.from(body.data[0]?.embedding ?? '', 'base64');
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4))).toEqual(vector);
  });

  it('keeps the upstream message and status on upstream errors', async () => {
    upstream.handle((_, res) =>
      sendJson(
        res,
        429,
        { error: { message: 'Rate limit reached for requests', type: 'requests', code: 'rate_limit_exceeded' } },
        { 'retry-after': '3' },
      ),
    );
    const error = await gateway
      .client()
      .chat.completions.create({ model: 'grok-3-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect((error as APIError).message).toContain('Rate limit reached for requests');
    expect((error as APIError).headers?.get('retry-after')).toBe('3');

    upstream.handle((_, res) =>
      sendJson(res, 400, {
        error: {
          message: "This model's maximum context length is 131072 tokens",
          type: 'invalid_request_error',
          code: 'context_length_exceeded',
        },
      }),
    );
    const tooLong = await gateway
      .client()
      .chat.completions.create({ model: 'grok-3-mini', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(OpenAI.BadRequestError);
    expect((tooLong as APIError).code).toBe('context_length_exceeded');
  });

  it('reports an error that arrives after the stream started as a final error event, not a hang', async () => {
    upstream.handle((_, res) =>
      sendStream(
        res,
        [
          '{"id":"x","choices":[{"index":0,"delta":{"content":"Hel"}}]}',
          '{"error":{"message":"model crashed","type":"server_error"}}',
        ],
        { format: 'sse' },
      ),
    );
    const stream = await gateway
      .client()
      .chat.completions.create({ model: 'grok-3-mini', messages: [{ role: 'user', content: 'x' }], stream: true });
    const received: string[] = [];
    const failure = await (async () => {
      for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
    })().catch((e: unknown) => e);
    expect(received.join('')).toBe('Hel');
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(String((failure as Error).message)).toContain('model crashed');
  });

  it('answers 502 when the upstream is unreachable', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'lg-e2e-')), 'llamagate.yaml');
    writeFileSync(
      file,
      'defaultBackend: dead\nbackends:\n  - name: dead\n    type: openai-compatible\n    config: { endpoint: "http://127.0.0.1:9/v1" }\n',
    );
    const dead = await startGateway({ configFile: file });
    try {
      const error = await dead
        .client()
        .chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
        .catch((e: unknown) => e);
      expect((error as APIError).status).toBe(502);
      expect((error as APIError).code).toBe('upstream_unreachable');
    } finally {
      await dead.close();
    }
  });

  it('answers 504 when the upstream is slower than the request timeout', async () => {
    upstream.handle(async (_, res) => {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      sendJson(res, 200, readFixture('openai-compatible', 'xai-text.json'));
    });
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-llamagate-timeout': '0.2' },
      body: JSON.stringify({ model: 'grok-3-mini', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(response.status).toBe(504);
    expect(((await response.json()) as { error: { type: string } }).error.type).toBe('timeout_error');
  });

  it('aborts the upstream request when the client disconnects mid-stream', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      upstreamClosed = resolve;
    });
    upstream.handle(async (_, res) => {
      res.on('close', () => upstreamClosed());
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"id":"a","choices":[{"index":0,"delta":{"content":"first"}}]}\n\n');
    });
    const controller = new AbortController();
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'grok-3-mini', messages: [{ role: 'user', content: 'x' }], stream: true }),
      signal: controller.signal,
    });
    const reader = response.body?.getReader();
    const first = await reader?.read();
    expect(new TextDecoder().decode(first?.value)).toContain('first');
    controller.abort();
    await closed;
  });

  it('aborts the upstream request when the client disconnects while waiting for a non-streaming answer', async () => {
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      upstreamClosed = resolve;
    });
    let upstreamStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      upstreamStarted = resolve;
    });
    upstream.handle(async (_, res) => {
      res.on('close', () => upstreamClosed());
      upstreamStarted();
      // Never answers: only the client's disconnect can end this call.
    });
    const controller = new AbortController();
    const request = fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'grok-3-mini', messages: [{ role: 'user', content: 'slow' }] }),
      signal: controller.signal,
    });
    await started;
    controller.abort();
    await expect(request).rejects.toThrow();
    await closed;
  });

  it('serves many requests on one keep-alive connection without piling abort listeners on its signal', async () => {
    upstream.handle((req, res) => {
      if ((req.body as { stream?: boolean }).stream === true)
        sendStream(res, readChunks('openai-compatible', 'xai-text.chunks.txt'), { format: 'sse', done: true });
      else sendJson(res, 200, readFixture('openai-compatible', 'xai-text.json'));
    });
    const sockets: Socket[] = [];
    const onConnection = (socket: Socket) => sockets.push(socket);
    gateway.gateway.server.on('connection', onConnection);
    const agent = new Pool(gateway.url, { connections: 1 });
    try {
      for (let i = 0; i < 6; i++) {
        const stream = i % 2 === 1;
        const response = await agent.request({
          path: '/v1/chat/completions',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'grok-3-mini', messages: [{ role: 'user', content: `again ${i}` }], stream }),
        });
        expect(response.statusCode).toBe(200);
        expect(await response.body.text()).toContain(stream ? 'data: [DONE]' : 'chat.completion');
      }
      expect(sockets).toHaveLength(1);
      const signal = connectionSignal(sockets[0] as Socket);
      expect(signal.aborted).toBe(false);
      // One listener in all: the watcher the non-streaming calls share (they join and leave its set); none per
      // request or per stream.
      expect(getEventListeners(signal, 'abort')).toHaveLength(1);
    } finally {
      gateway.gateway.server.off('connection', onConnection);
      await agent.close();
    }
  });

  it('answers identical requests from the cache, keyed on every parameter, with X-Cache', async () => {
    const send = (body: object, headers: Record<string, string> = {}) =>
      fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const base = { model: 'grok-3-mini', messages: [{ role: 'user', content: 'cache me' }], temperature: 0.3 };
    expect((await send(base)).headers.get('x-cache')).toBe('MISS');
    expect((await send(base)).headers.get('x-cache')).toBe('HIT');
    expect((await send({ ...base, temperature: 0.4 })).headers.get('x-cache')).toBe('MISS');
    expect((await send({ ...base, response_format: { type: 'json_object' } })).headers.get('x-cache')).toBe('MISS');
    expect(
      (await send({ ...base, tools: [{ type: 'function', function: { name: 'a' } }] })).headers.get('x-cache'),
    ).toBe('MISS');
    expect((await send(base, { 'cache-control': 'no-cache' })).headers.get('x-cache')).toBe('MISS');
    expect(upstream.requests).toHaveLength(5);
  });

  it('does not cache failures', async () => {
    upstream.handle((_, res) => sendJson(res, 500, { error: { message: 'boom' } }));
    const body = JSON.stringify({ model: 'grok-3-mini', messages: [{ role: 'user', content: 'fail once' }] });
    const first = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(first.status).toBe(500);
    upstream.handle((_, res) => sendJson(res, 200, readFixture('openai-compatible', 'xai-text.json')));
    const second = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(second.status).toBe(200);
    expect(second.headers.get('x-cache')).toBe('MISS');
  });
});

describe('OpenAI-compatible streams relayed as the upstream sent them (decision 0023)', () => {
  const recordedLines = readChunks('openai', 'openai-text.chunks.txt');
  const recordedStream = `${recordedLines.map((line) => `data: ${line}\n\n`).join('')}data: [DONE]\n\n`;
  /** The client's body that goes out unchanged: same model, `stream` and the usage option already set. */
  const relayedBody = {
    model: 'gpt-4.1-nano',
    messages: [{ role: 'user' as const, content: 'Invent a holiday.' }],
    stream: true,
    stream_options: { include_usage: true },
  };
  const answerWithBytes = (bytes: string, cut = false) =>
    upstream.handle((_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (cut) res.write(bytes, () => res.destroy());
      else res.end(bytes);
    });
  const post = (body: unknown) =>
    fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('sends the recorded OpenAI stream byte for byte: ids, service_tier, obfuscation and logprobs kept', async () => {
    answerWithBytes(recordedStream);
    const response = await post(relayedBody);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(recordedStream);
    expect(upstream.requests[0]?.rawBody.toString()).toBe(JSON.stringify(relayedBody));
    // Usage still reaches the request line: the typed parts are read beside the relay.
    const line = gateway.logs.find((entry) => entry.requestId === response.headers.get('x-request-id'));
    expect(line).toMatchObject({ promptTokens: 16, completionTokens: 300 });
  });

  it("gives the openai client the upstream's streamed logprobs, which the encoder would write as null", async () => {
    const top = { token: 'Hi', logprob: -0.01, bytes: [72, 105], top_logprobs: [] };
    const chunk = (delta: object, finish: string | null, logprobs: object | null) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4.1-nano', choices: [{ index: 0, delta, logprobs, finish_reason: finish }] })}\n\n`;
    answerWithBytes(
      `${chunk({ role: 'assistant', content: 'Hi' }, null, { content: [top], refusal: null })}${chunk({}, 'stop', null)}data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4.1-nano', choices: [], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } })}\n\ndata: [DONE]\n\n`,
    );
    const stream = await gateway.client().chat.completions.create({ ...relayedBody, stream: true, logprobs: true });
    const chunks = [];
    for await (const part of stream) chunks.push(part);
    expect(chunks[0]?.choices[0]?.logprobs).toEqual({ content: [top], refusal: null });
    expect(chunks.map((part) => part.id)).toEqual(['chatcmpl-1', 'chatcmpl-1', 'chatcmpl-1']);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });
  });

  it("ends a relayed stream cut mid-event after its last whole event, with the gateway's error event", async () => {
    const whole = recordedLines
      .slice(0, 2)
      .map((line) => `data: ${line}\n\n`)
      .join('');
    answerWithBytes(`${whole}data: ${recordedLines[2]?.slice(0, 40)}`, true);
    const response = await post(relayedBody);
    const text = await response.text();
    expect(text.startsWith(whole)).toBe(true);
    const rest = text.slice(whole.length).split('\n\n');
    expect(rest).toHaveLength(3);
    // The socket closed mid-event: an upstream failure in OpenAI's error shape, then [DONE].
    expect(JSON.parse(rest[0]?.replace(/^data: /, '') ?? '')).toMatchObject({
      error: { type: 'api_error', code: 'upstream_unreachable', message: expect.stringContaining('UND_ERR_SOCKET') },
    });
    expect(rest.slice(1)).toEqual(['data: [DONE]', '']);
  });

  it("relays an upstream's own error event once, adding none of its own", async () => {
    // After output began (an error before it is a failed attempt, answered as an error response).
    const bytes = `data: ${recordedLines[0]}\n\ndata: ${recordedLines[1]}\n\ndata: {"error":{"message":"The server is overloaded","type":"server_error","code":null}}\n\n`;
    answerWithBytes(bytes);
    const response = await post(relayedBody);
    expect(await response.text()).toBe(bytes);
  });

  it('relays no half event when the upstream ends its body cleanly in the middle of one', async () => {
    const whole = `data: ${recordedLines[0]}\n\ndata: ${recordedLines[1]}\n\n`;
    answerWithBytes(`${whole}data: ${recordedLines[2]?.slice(0, 40)}`);
    const text = await (await post(relayedBody)).text();
    expect(text.startsWith(whole)).toBe(true);
    const rest = text.slice(whole.length).split('\n\n');
    expect(JSON.parse(rest[0]?.replace(/^data: /, '') ?? '')).toMatchObject({
      error: { message: expect.stringContaining('not JSON') },
    });
    expect(rest.slice(1)).toEqual(['data: [DONE]', '']);
  });

  it('closes the last event of a body that ends without its blank line, so the client reads what was read', async () => {
    answerWithBytes(recordedStream.slice(0, -2));
    expect(await (await post(relayedBody)).text()).toBe(recordedStream);
    const error = 'data: {"error":{"message":"The server is overloaded","type":"server_error","code":null}}';
    const output = `data: ${recordedLines[0]}\n\ndata: ${recordedLines[1]}\n\n`;
    answerWithBytes(`${output}${error}`);
    expect(await (await post(relayedBody)).text()).toBe(`${output}${error}\n\n`);
  });

  it('keeps streamed logprobs when it encodes the stream itself (the openai client asked for no usage)', async () => {
    const top = { token: 'Hi', logprob: -0.01, bytes: [72, 105], top_logprobs: [] };
    const chunk = (delta: object, finish: string | null, logprobs: object | null) =>
      `data: ${JSON.stringify({ id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1, model: 'gpt-4.1-nano', choices: [{ index: 0, delta, logprobs, finish_reason: finish }], usage: null })}\n\n`;
    answerWithBytes(
      `${chunk({ role: 'assistant', content: 'Hi' }, null, { content: [top], refusal: null })}${chunk({}, 'stop', null)}data: [DONE]\n\n`,
    );
    const stream = await gateway.client().chat.completions.create({
      model: 'gpt-4.1-nano',
      messages: [{ role: 'user', content: 'Hi?' }],
      stream: true,
      logprobs: true,
    });
    const chunks = [];
    for await (const part of stream) chunks.push(part);
    expect(bodyOf(upstream.requests[0]).stream_options).toEqual({ include_usage: true });
    expect(chunks.map((part) => [part.choices[0]?.delta.content, part.choices[0]?.logprobs])).toEqual([
      ['Hi', { content: [top], refusal: null }],
      [undefined, null],
    ]);
  });

  it('encodes the stream itself when the body had to change (the usage option added)', async () => {
    answerWithBytes(recordedStream);
    const response = await post({ ...relayedBody, stream_options: undefined });
    const text = await response.text();
    expect(text).not.toContain('obfuscation');
    expect(text).not.toContain('"usage"');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(bodyOf(upstream.requests[0]).stream_options).toEqual({ include_usage: true });
  });
});
