/**
 * Anthropic's Messages API on the gateway, driven by the official `@anthropic-ai/sdk` client against three
 * kinds of backend: Ollama, an OpenAI-compatible server and Anthropic itself (where the client's bytes go
 * upstream unchanged and the upstream's bytes come back unchanged).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type MockHandler,
  type MockUpstream,
  type RecordedRequest,
  sendJson,
  startMockUpstream,
} from '../../src/test-support/mock-upstream.js';
import { anthropicReplay } from '../../src/test-support/replay-anthropic.js';
import { ollamaReplay } from '../../src/test-support/replay-ollama.js';
import { openaiReplay } from '../../src/test-support/replay-openai.js';
import { waitFor } from './billing-harness.js';
import { type Harness, startGateway } from './gateway-harness.js';

const fixtures = (provider: string) =>
  fileURLToPath(new URL(`../../src/providers/${provider}/__fixtures__`, import.meta.url));

interface BackendCase {
  name: string;
  /** The Claude-named alias an operator configured for this backend. */
  model: string;
  text: MockHandler;
  tool: MockHandler;
  thinking: MockHandler;
  notFound: MockHandler;
  wantsThinking(body: Record<string, unknown>): boolean;
}

const CASES: BackendCase[] = [
  {
    name: 'ollama',
    model: 'claude-local',
    text: ollamaReplay(fixtures('ollama'), 'doc-chat'),
    tool: ollamaReplay(fixtures('ollama'), 'doc-tool-call'),
    thinking: ollamaReplay(fixtures('ollama'), 'doc-thinking'),
    notFound: (_, response) => sendJson(response, 404, { error: "model 'missing' not found" }),
    wantsThinking: (body) => body.think !== undefined && body.think !== false,
  },
  {
    name: 'openai',
    model: 'claude-oai',
    text: openaiReplay(fixtures('openai-compatible'), 'xai-text'),
    tool: openaiReplay(fixtures('openai-compatible'), 'xai-tool-call'),
    thinking: openaiReplay(fixtures('deepseek'), 'deepseek-reasoning'),
    notFound: (_, response) =>
      sendJson(response, 404, {
        error: {
          message: 'The model `missing` does not exist',
          type: 'invalid_request_error',
          code: 'model_not_found',
        },
      }),
    wantsThinking: (body) => body.reasoning_effort !== undefined,
  },
  {
    name: 'anthropic',
    model: 'claude-sonnet-4-5-20250929',
    text: anthropicReplay(fixtures('anthropic'), 'anthropic-text'),
    tool: anthropicReplay(fixtures('anthropic'), 'anthropic-tool-no-args'),
    thinking: anthropicReplay(fixtures('anthropic'), 'anthropic-clear-thinking.1'),
    notFound: (_, response) =>
      sendJson(response, 404, { type: 'error', error: { type: 'not_found_error', message: 'model: missing' } }),
    wantsThinking: (body) => body.thinking !== undefined,
  },
];

const upstreams = new Map<string, MockUpstream>();
let gateway: Harness;

function lastMessageIsToolResult(body: Record<string, unknown>): boolean {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = JSON.stringify(messages.at(-1) ?? {});
  return last.includes('"tool_result"') || last.includes('"role":"tool"');
}

/** Answers like the real provider would for the request it got: 404, a tool call, thinking, or text. */
function dispatcher(backend: BackendCase): MockHandler {
  return async (request: RecordedRequest, response) => {
    if (request.path.endsWith('/count_tokens')) return sendJson(response, 200, { input_tokens: 1234 });
    const body = (request.body ?? {}) as Record<string, unknown>;
    if (String(body.model).includes('missing')) return backend.notFound(request, response);
    if (body.tools !== undefined && !lastMessageIsToolResult(body)) return backend.tool(request, response);
    if (backend.wantsThinking(body)) return backend.thinking(request, response);
    return backend.text(request, response);
  };
}

beforeAll(async () => {
  for (const backend of CASES) upstreams.set(backend.name, await startMockUpstream(dispatcher(backend)));
  const dir = mkdtempSync(join(tmpdir(), 'lg-anthropic-'));
  const file = join(dir, 'llamagate.yaml');
  writeFileSync(
    file,
    [
      'defaultBackend: local',
      'healthCheckInterval: 0',
      'backends:',
      '  - { name: local, type: ollama, config: { endpoint: "${OLLAMA}" } }',
      '  - { name: oai, type: openai-compatible, config: { endpoint: "${OAI}/v1", apiKey: sk-oai } }',
      '  - { name: claude, type: anthropic, config: { endpoint: "${ANTHROPIC}/v1", apiKey: sk-ant-upstream } }',
      'models:',
      '  claude-local: local/llama3.2',
      '  claude-oai: oai/grok-3-mini',
      '',
    ].join('\n'),
  );
  gateway = await startGateway({
    configFile: file,
    env: {
      API_KEY: 'gateway-secret',
      OLLAMA: upstreams.get('ollama')?.url ?? '',
      OAI: upstreams.get('openai')?.url ?? '',
      ANTHROPIC: upstreams.get('anthropic')?.url ?? '',
    },
  });
});
afterAll(async () => {
  await gateway.close();
  for (const upstream of upstreams.values()) await upstream.close();
});
beforeEach(() => {
  for (const upstream of upstreams.values()) upstream.requests.length = 0;
  gateway.gateway.context.cache?.clear();
});

interface Exchange {
  requestBody: string;
  responseBody: string;
  version: string | null;
}

/** The SDK client, recording the bytes it sent and received (for the passthrough assertions). */
function client(options: { apiKey?: string; authToken?: string; exchanges?: Exchange[] } = {}): Anthropic {
  const exchanges = options.exchanges;
  return new Anthropic({
    apiKey: options.authToken === undefined ? (options.apiKey ?? 'gateway-secret') : null,
    authToken: options.authToken ?? null,
    baseURL: gateway.url,
    maxRetries: 0,
    timeout: 15_000,
    fetch: async (url, init) => {
      const response = await fetch(url, init);
      if (exchanges !== undefined) {
        exchanges.push({
          requestBody: String(init?.body ?? ''),
          responseBody: await response.clone().text(),
          version: new Headers(init?.headers).get('anthropic-version'),
        });
      }
      return response;
    },
  });
}

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } } },
};

describe.each(CASES)('POST /v1/messages against $name', (backend) => {
  const upstream = () => upstreams.get(backend.name) as MockUpstream;

  it('creates a message', async () => {
    const message = await client().messages.create({
      model: backend.model,
      max_tokens: 256,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Say hello.' }],
    });
    expect(message).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn' });
    expect(message.id).toMatch(/^msg_/);
    // grok-3-mini (the OpenAI-compatible recording) reasons first: its reasoning comes as a thinking block.
    expect(message.content.map((block) => block.type)).toEqual(
      backend.name === 'openai' ? ['thinking', 'text'] : ['text'],
    );
    expect(message.usage.output_tokens).toBeGreaterThan(0);
    expect(upstream().requests).toHaveLength(1);
  });

  it('streams with the SDK helpers: text events and finalMessage()', async () => {
    const stream = client().messages.stream({
      model: backend.model,
      max_tokens: 256,
      messages: [{ role: 'user', content: 'Say hello.' }],
    });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const final = await stream.finalMessage();
    expect(texts.length).toBeGreaterThan(0);
    const block = final.content.find((candidate) => candidate.type === 'text');
    expect(block?.type === 'text' ? block.text : undefined).toBe(texts.join(''));
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });

  it('runs a tool round trip', async () => {
    const anthropic = client();
    const first = await anthropic.messages.create({
      model: backend.model,
      max_tokens: 512,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Weather in Tokyo?' }],
    });
    expect(first.stop_reason).toBe('tool_use');
    const call = first.content.find((block) => block.type === 'tool_use');
    expect(call).toMatchObject({ type: 'tool_use', id: expect.any(String), input: expect.any(Object) });
    if (call?.type !== 'tool_use') throw new Error('no tool call');
    const second = await anthropic.messages.create({
      model: backend.model,
      max_tokens: 512,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Tokyo?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'Sunny, 25°C' }] },
      ],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(JSON.stringify(upstream().requests[1]?.body)).toContain('Sunny, 25°C');
    // Ollama has no call ids; the others get back the id they issued.
    if (backend.name !== 'ollama') expect(JSON.stringify(upstream().requests[1]?.body)).toContain(call.id);
  });

  it('returns thinking blocks', async () => {
    const message = await client().messages.create({
      model: backend.model,
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'Think, then answer.' }],
    });
    const thinking = message.content.find((block) => block.type === 'thinking');
    expect(thinking?.type === 'thinking' ? thinking.thinking.length : 0).toBeGreaterThan(0);
    const stream = client().messages.stream({
      model: backend.model,
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'Think, then answer.' }],
    });
    const thoughts: string[] = [];
    stream.on('thinking', (delta) => thoughts.push(delta));
    const final = await stream.finalMessage();
    expect(thoughts.join('').length).toBeGreaterThan(0);
    expect(final.content[0]?.type).toBe('thinking');
  });

  it('counts tokens', async () => {
    const counted = await client().messages.countTokens({
      model: backend.model,
      messages: [{ role: 'user', content: 'How many tokens is this?' }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
    if (backend.name === 'anthropic') {
      expect(counted.input_tokens).toBe(1234);
      expect(upstream().requests[0]?.path).toBe('/v1/messages/count_tokens');
    } else expect(upstream().requests).toHaveLength(0);
  });

  it('answers errors in Anthropic shape: 400 bad body, 401, 404 model', async () => {
    const badBody = await client()
      .messages.create({ model: backend.model, messages: [{ role: 'user', content: 'x' }] } as never)
      .catch((error: unknown) => error);
    expect(badBody).toBeInstanceOf(Anthropic.BadRequestError);
    expect((badBody as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'max_tokens: Field required' },
    });
    const unauthorised = await client({ apiKey: 'wrong' })
      .messages.create({ model: backend.model, max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(unauthorised).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((unauthorised as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });
    const target = { ollama: 'local/missing', openai: 'oai/missing', anthropic: 'claude/missing' }[backend.name];
    const missing = await client()
      .messages.create({ model: target ?? '', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Anthropic.NotFoundError);
    expect((missing as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error' },
    });
    expect(upstream().requests.every((request) => request.headers.authorization !== 'Bearer wrong')).toBe(true);
  });
});

describe('POST /v1/messages against Anthropic: the same-format passthrough', () => {
  const upstream = () => upstreams.get('anthropic') as MockUpstream;

  it("forwards the client's exact bytes and returns the upstream's exact bytes, with version and beta headers", async () => {
    const exchanges: Exchange[] = [];
    await client({ exchanges }).messages.create(
      {
        model: 'claude-sonnet-4-5-20250929',
        max_tokens: 256,
        system: [{ type: 'text', text: 'Long context.', cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: 'Say hello.' }],
      },
      { headers: { 'anthropic-beta': 'prompt-caching-2024-07-31' } },
    );
    const received = upstream().requests[0];
    expect(received?.rawBody.toString('utf8')).toBe(exchanges[0]?.requestBody);
    expect(exchanges[0]?.version).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(received?.headers['anthropic-version']).toBe(exchanges[0]?.version);
    expect(received?.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31');
    expect(received?.headers['x-api-key']).toBe('sk-ant-upstream');
    expect(exchanges[0]?.responseBody).toBe(readFileSync(join(fixtures('anthropic'), 'anthropic-text.json'), 'utf8'));
  });

  it('replaces only the model when an alias resolved, and keeps cache_control', async () => {
    await client().messages.create({
      model: 'claude/claude-sonnet-4-5-20250929',
      max_tokens: 256,
      system: [{ type: 'text', text: 'Long context.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'Say hello.' }],
    });
    expect(upstream().requests[0]?.rawBody.toString('utf8')).toBe(
      '{"model":"claude-sonnet-4-5-20250929","max_tokens":256,"system":[{"type":"text","text":"Long context.","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"Say hello."}]}',
    );
  });

  it("streams the upstream's exact bytes, server tool blocks included, and still reads its usage", async () => {
    const lines = readFileSync(join(fixtures('anthropic'), 'anthropic-web-search-tool.1.chunks.txt'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
    const raw = lines
      .map((line) => `event: ${(JSON.parse(line) as { type: string }).type}\ndata: ${line}\n\n`)
      .join('');
    upstream().handle(async (_, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      // Pieces cut mid-event: the gateway relays whole events as they complete.
      for (const [from, to] of [
        [0, 1500],
        [1500, 9000],
        [9000, raw.length],
      ] as const) {
        await new Promise<void>((resolve) => response.write(raw.slice(from, to), () => resolve()));
      }
      response.end();
    });
    const ask = {
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 1024,
      messages: [{ role: 'user' as const, content: 'Tech news today?' }],
      tools: [{ type: 'web_search_20250305' as const, name: 'web_search' as const, max_uses: 2 }],
    };
    try {
      const response = await fetch(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: {
          'x-api-key': 'gateway-secret',
          'anthropic-version': '2023-06-01',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ ...ask, stream: true }),
      });
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const received = Buffer.from(await response.arrayBuffer());
      expect(received.toString('utf8')).toBe(raw);
      expect(received.equals(Buffer.from(raw, 'utf8'))).toBe(true);
      const requestId = response.headers.get('request-id') ?? response.headers.get('x-request-id');
      // The request line is written when the response closes, which may follow the client's last read.
      const line = await waitFor(() =>
        gateway.logs.find((entry) => entry.requestId === requestId && entry.msg === 'request'),
      );
      expect(line).toMatchObject({ status: 200, promptTokens: 15665, completionTokens: 795 });

      const final = await client().messages.stream(ask).finalMessage();
      expect(final.content.slice(0, 3).map((block) => block.type)).toEqual([
        'server_tool_use',
        'web_search_tool_result',
        'text',
      ]);
      expect(final.usage).toMatchObject({ input_tokens: 15665, output_tokens: 795 });
    } finally {
      upstream().handle(dispatcher(CASES[2] as BackendCase));
    }
  });

  it('accepts Authorization: Bearer as Claude Code sends with ANTHROPIC_AUTH_TOKEN', async () => {
    const message = await client({ authToken: 'gateway-secret' }).messages.create({
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(message.type).toBe('message');
  });
});

describe('GET /v1/models for Anthropic clients', () => {
  it("lists models in Anthropic's shape when the request carries anthropic-version", async () => {
    const page = await client().models.list();
    const ids = page.data.map((model) => model.id);
    expect(ids.slice(0, 2)).toEqual(['claude-local', 'claude-oai']);
    expect(page.data[0]).toEqual({
      type: 'model',
      id: 'claude-local',
      display_name: 'claude-local',
      created_at: '1970-01-01T00:00:00.000Z',
    });
    const raw = await fetch(`${gateway.url}/v1/models`, {
      headers: { 'x-api-key': 'gateway-secret', 'anthropic-version': '2023-06-01' },
    });
    expect(await raw.json()).toMatchObject({ has_more: false, first_id: 'claude-local', last_id: expect.any(String) });
  });
});
