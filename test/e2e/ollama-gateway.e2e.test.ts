/**
 * The gateway on its embedded defaults (Ollama at OLLAMA_HOST as the default backend), driven by the
 * official openai client against a mock Ollama that replays Ollama's documented examples.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI, { type APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bodyOf, type MockUpstream, sendJson, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { ollamaReplay } from '../../src/test-support/replay-ollama.js';
import { type Harness, startGateway } from './gateway-harness.js';

const fixtures = fileURLToPath(new URL('../../src/providers/ollama/__fixtures__', import.meta.url));
const fixture = (name: string) => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as unknown;

let ollama: MockUpstream;
let gateway: Harness;

function routeOllama(chatFixture: string) {
  const chat = ollamaReplay(fixtures, chatFixture);
  ollama.handle(async (request, response) => {
    if (request.path === '/api/chat') return chat(request, response);
    if (request.path === '/api/tags') return sendJson(response, 200, fixture('doc-tags.json'));
    if (request.path === '/api/version') return sendJson(response, 200, fixture('doc-version.json'));
    if (request.path === '/api/embed') return sendJson(response, 200, fixture('doc-embed.json'));
    return sendJson(response, 404, { error: 'not found' });
  });
}

beforeAll(async () => {
  ollama = await startMockUpstream();
  gateway = await startGateway({ env: { OLLAMA_HOST: ollama.url, API_KEY: 'gateway-secret', RATE_LIMIT_RPS: '1000' } });
});
afterAll(async () => {
  await gateway.close();
  await ollama.close();
});
beforeEach(() => {
  ollama.requests.length = 0;
  gateway.gateway.context.cache?.clear();
  routeOllama('doc-chat');
});

const client = () => gateway.client('gateway-secret');

describe('gateway defaults: Ollama behind the OpenAI API', () => {
  it('chats with a bare model name through Ollama /api/chat with mapped options', async () => {
    const completion = await client().chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'why is the sky blue?' }],
      temperature: 0,
      max_tokens: 64,
    });
    expect(completion.choices[0]?.message.content).toBe('Hello! How are you today?');
    expect(completion.usage).toMatchObject({ prompt_tokens: 26, completion_tokens: 298 });
    expect(ollama.requests[0]?.path).toBe('/api/chat');
    expect(ollama.requests[0]?.body).toMatchObject({
      model: 'llama3.2',
      stream: false,
      options: { temperature: 0, num_predict: 64 },
    });
  });

  it('accepts ollama/<model> and streams NDJSON as SSE chunks', async () => {
    const stream = await client().chat.completions.create({
      model: 'ollama/llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe('The');
    expect(usage).toMatchObject({ prompt_tokens: 26, completion_tokens: 282 });
    expect(bodyOf(ollama.requests[0]).model).toBe('llama3.2');
  });

  it('returns Ollama tool calls with JSON-string arguments and an id', async () => {
    routeOllama('doc-tool-call');
    const completion = await client().chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'weather in Tokyo?' }],
      tools: [
        {
          type: 'function',
          function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
        },
      ],
    });
    const call = completion.choices[0]?.message.tool_calls?.[0] as
      | OpenAI.ChatCompletionMessageFunctionToolCall
      | undefined;
    expect(call?.function).toEqual({ name: 'get_weather', arguments: '{"city":"Tokyo"}' });
    expect(call?.id).toMatch(/^call_/);
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('serves embeddings through /api/embed', async () => {
    const result = await client().embeddings.create({ model: 'all-minilm', input: 'hello', encoding_format: 'float' });
    expect(result.data[0]?.embedding.slice(0, 2)).toEqual([0.010071029, -0.0017594862]);
    expect(ollama.requests[0]?.path).toBe('/api/embed');
  });

  it('lists Ollama models from /api/tags in the OpenAI list shape', async () => {
    const models = await client().models.list();
    expect(models.data.map((model) => model.id)).toContain('deepseek-r1:latest');
    expect(models.data[0]).toMatchObject({ object: 'model' });
  });

  it('retrieves an Ollama model by its name without the :latest tag, as chat accepts it', async () => {
    const model = await client().models.retrieve('llama3.2');
    expect(model).toMatchObject({ id: 'llama3.2:latest', object: 'model' });
    expect(await client().models.retrieve('llama3.2:latest')).toMatchObject({ id: 'llama3.2:latest' });
    const missing = await client()
      .models.retrieve('llama3.3')
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('maps an unknown model to 404 model_not_found', async () => {
    ollama.handle((_, response) => sendJson(response, 404, fixture('doc-model-not-found.json')));
    const error = await client()
      .chat.completions.create({ model: 'nonexistent', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as APIError).code).toBe('model_not_found');
    expect((error as APIError).message).toContain("model 'nonexistent' not found");
  });
});

describe('auth, limits and request ids', () => {
  it('requires the API key via X-API-Key or Bearer (any case), with 401 in OpenAI shape otherwise', async () => {
    const body = JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] });
    const post = (headers: Record<string, string>) =>
      fetch(`${gateway.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cache-control': 'no-cache', ...headers },
        body,
      });
    const missing = await post({});
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_api_key', param: null },
    });
    expect((await post({ authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post({ 'X-Api-Key': 'gateway-secret' })).status).toBe(200);
    expect((await post({ authorization: 'bEaReR gateway-secret' })).status).toBe(200);
    expect(ollama.requests).toHaveLength(2);
  });

  it('keeps health and hardware open, and never logs the key', async () => {
    expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
    const hardware = await fetch(`${gateway.baseURL}/hardware/recommendations`);
    expect(hardware.status).toBe(200);
    const body = (await hardware.json()) as {
      hardware: { cpu_cores: number; total_ram_gb: number };
      recommendations: { ollama_command: string }[];
    };
    expect(body.hardware.cpu_cores).toBeGreaterThan(0);
    expect(body.hardware.total_ram_gb).toBeGreaterThan(0);
    expect(body.recommendations[0]?.ollama_command).toMatch(/^ollama pull /);
    expect(JSON.stringify(gateway.logs)).not.toContain('gateway-secret');
  });

  it('echoes a sent X-Request-ID, forwards it upstream and logs it beside the gateway id', async () => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'gateway-secret', 'x-request-id': 'trace-123' },
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(response.headers.get('x-request-id')).toBe('trace-123');
    expect(ollama.requests[0]?.headers['x-request-id']).toBe('trace-123');
    const own = response.headers.get('x-llamagate-request-id');
    expect(own).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await fetch(`${gateway.baseURL}/nope`, { headers: { 'x-api-key': 'gateway-secret' } });
    const id = generated.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await generated.json()) as { error: { request_id: string } }).error.request_id).toBe(id);
    const line = gateway.logs.find((entry) => entry.clientRequestId === 'trace-123');
    expect(line).toMatchObject({
      requestId: own,
      method: 'POST',
      path: '/v1/chat/completions',
      status: 200,
      model: 'llama3.2',
      backend: 'ollama',
      promptTokens: 26,
      completionTokens: 298,
    });
    expect(line?.latencyMs).toBeTypeOf('number');
  });

  it('rate limits with a token bucket: 429, Retry-After and X-RateLimit headers', async () => {
    const limited = await startGateway({
      env: { OLLAMA_HOST: ollama.url, RATE_LIMIT_RPS: '1', RATE_LIMIT_BURST: '2' },
    });
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 3; i++) {
        last = await fetch(`${limited.baseURL}/models`);
        statuses.push(last.status);
        expect(last.headers.get('x-ratelimit-limit')).toBe('2');
        expect(last.headers.get('x-ratelimit-remaining')).not.toBeNull();
        expect(last.headers.get('x-ratelimit-reset')).not.toBeNull();
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(last?.headers.get('retry-after')).toBe('1');
      expect(await last?.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
      expect((await fetch(`${limited.url}/health`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('bad input and faults', () => {
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'gateway-secret', ...headers },
      body,
    });

  it('answers invalid JSON, missing fields and wrong types with 400 naming the field', async () => {
    const invalid = await post('/v1/chat/completions', '{"model": ');
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_json' } });
    expect(
      await (await post('/v1/chat/completions', '{"messages":[{"role":"user","content":"x"}]}')).json(),
    ).toMatchObject({ error: { param: 'model', code: 'missing_field' } });
    expect(await (await post('/v1/chat/completions', '{"model":"m"}')).json()).toMatchObject({
      error: { param: 'messages' },
    });
    expect(
      await (
        await post(
          '/v1/chat/completions',
          '{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"}',
        )
      ).json(),
    ).toMatchObject({ error: { param: 'temperature' } });
    expect(ollama.requests).toHaveLength(0);
  });

  it('answers 413 for bodies over MAX_BODY_SIZE', async () => {
    const small = await startGateway({ env: { OLLAMA_HOST: ollama.url, MAX_BODY_SIZE: '1kb' } });
    try {
      const response = await fetch(`${small.baseURL}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x'.repeat(5000) }] }),
      });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ error: { code: 'payload_too_large' } });
    } finally {
      await small.close();
    }
  });

  it('answers unknown paths with 404 and wrong methods with 405 in the OpenAI error shape', async () => {
    const unknown = await fetch(`${gateway.url}/v2/whatever`, { headers: { 'x-api-key': 'gateway-secret' } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { type: 'not_found_error', code: 'not_found' } });
    const wrongMethod = await fetch(`${gateway.baseURL}/chat/completions`, {
      headers: { 'x-api-key': 'gateway-secret' },
    });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect(await wrongMethod.json()).toMatchObject({ error: { code: 'method_not_allowed' } });
  });

  it('reports Ollama errors that arrive mid-stream as a final error event', async () => {
    routeOllama('doc-stream-error');
    const stream = await client().chat.completions.create({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'x' }],
      stream: true,
    });
    const failure = await (async () => {
      for await (const _chunk of stream) {
        // drain
      }
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
  });
});

describe('health', () => {
  it('reports healthy with the Ollama connection, live and ready', async () => {
    const health = await fetch(`${gateway.url}/health`);
    expect(await health.json()).toMatchObject({ status: 'healthy', ollama: 'connected' });
    expect((await fetch(`${gateway.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${gateway.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', backends: { ollama: { status: 'up' } } });
  });

  it('reports 503 unhealthy with the error when Ollama does not answer', async () => {
    const down = await startGateway({ env: { OLLAMA_HOST: 'http://127.0.0.1:9' } });
    try {
      const health = await fetch(`${down.url}/health`);
      expect(health.status).toBe(503);
      const body = (await health.json()) as { status: string; error: string };
      expect(body.status).toBe('unhealthy');
      expect(body.error).toMatch(/ollama/i);
      expect((await fetch(`${down.url}/health/live`)).status).toBe(200);
      expect((await fetch(`${down.url}/health/ready`)).status).toBe(503);
    } finally {
      await down.close();
    }
  });
});

describe('lifecycle', () => {
  it('lets an in-flight request finish during graceful shutdown, then refuses new connections', async () => {
    const local = await startGateway({ env: { OLLAMA_HOST: ollama.url } });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    ollama.handle(async (_, response) => {
      await held;
      sendJson(response, 200, fixture('doc-chat.json'));
    });
    const pending = fetch(`${local.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] }),
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = local.close();
    release();
    const response = await pending;
    expect(response.status).toBe(200);
    await closing;
    await expect(fetch(`${local.url}/health/live`)).rejects.toThrow();
  });

  it('fails clearly when the port is already in use', async () => {
    const port = Number(new URL(gateway.url).port);
    const second = await startGateway({ env: { OLLAMA_HOST: ollama.url } });
    await second.close();
    await expect(second.gateway.listen(port, '127.0.0.1')).rejects.toThrow(/already in use/);
  });

  it('serves HTTPS when TLS is enabled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const secure = await startGateway({
      env: {
        OLLAMA_HOST: ollama.url,
        TLS_ENABLED: 'true',
        TLS_CERT_FILE: join(dir, 'cert.pem'),
        TLS_KEY_FILE: join(dir, 'key.pem'),
      },
    });
    try {
      const { Agent, request } = await import('undici');
      const port = new URL(secure.url).port;
      const response = await request(`https://127.0.0.1:${port}/health/live`, {
        dispatcher: new Agent({ connect: { rejectUnauthorized: false } }),
      });
      expect(response.statusCode).toBe(200);
      await response.body.dump();
    } finally {
      await secure.close();
    }
  });
});
