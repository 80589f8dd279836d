/**
 * Ollama's own API at the gateway, driven by the official `ollama` client: an Ollama mock as the default
 * backend (replaying Ollama's documented answers) and an OpenAI-compatible mock as `cloud/…`.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ollama } from 'ollama';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openaiBody, replyWith, streamWith } from '../../src/test-support/client-mocks.js';
import {
  bodyOf,
  type MockUpstream,
  sendJson,
  sendStream,
  startMockUpstream,
} from '../../src/test-support/mock-upstream.js';
import { ollamaReplay } from '../../src/test-support/replay-ollama.js';
import { type Harness, startGateway } from './gateway-harness.js';

const fixtures = fileURLToPath(new URL('../../src/providers/ollama/__fixtures__', import.meta.url));
const fixture = (name: string) => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as unknown;

let ollama: MockUpstream;
let cloud: MockUpstream;
let gateway: Harness;
let bound: Harness;
let configFile: string;

function routeOllama(chat = 'doc-chat') {
  const replay = ollamaReplay(fixtures, chat);
  ollama.handle(async (request, response) => {
    switch (request.path) {
      case '/api/chat':
        return replay(request, response);
      case '/api/tags':
        return sendJson(response, 200, fixture('doc-tags.json'));
      case '/api/embed':
        return sendJson(response, 200, fixture('doc-embed.json'));
      case '/api/show':
        return sendJson(response, 200, {
          modelfile: '# llama',
          parameters: 'stop "<|eot|>"',
          template: '{{ .Prompt }}',
          details: { family: 'llama' },
          capabilities: ['completion', 'tools'],
        });
      case '/api/ps':
        return sendJson(response, 200, {
          models: [{ name: 'llama3.2:latest', model: 'llama3.2:latest', size_vram: 1 }],
        });
      case '/api/pull':
        return sendStream(response, ['{"status":"pulling manifest"}', '{"status":"success"}'], {
          format: 'ndjson',
          contentType: 'application/x-ndjson',
        });
      default:
        return sendJson(response, 404, { error: 'not found' });
    }
  });
}

beforeAll(async () => {
  ollama = await startMockUpstream();
  cloud = await startMockUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'lg-ollama-api-'));
  configFile = join(dir, 'llamagate.yaml');
  writeFileSync(
    configFile,
    `backends:\n  - name: cloud\n    type: openai-compatible\n    config: { endpoint: "\${CLOUD}/v1", apiKey: "sk-cloud" }\n`,
  );
  const env = {
    OLLAMA_HOST: '',
    CLOUD: '',
    API_KEY: 'user-key',
    LLAMAGATE_MASTER_KEY: 'master-key',
    CACHE_ENABLED: 'false',
    LLAMAGATE_DATA_DIR: dir,
  };
  env.OLLAMA_HOST = ollama.url;
  env.CLOUD = cloud.url;
  gateway = await startGateway({ env, configFile });
  bound = await startGateway({ env: { ...env, OLLAMA_API_DEFAULT_KEY: 'user-key' }, configFile });
});
afterAll(async () => {
  await gateway.close();
  await bound.close();
  await ollama.close();
  await cloud.close();
});
beforeEach(() => {
  ollama.requests.length = 0;
  cloud.requests.length = 0;
  routeOllama();
  cloud.handle(replyWith({ content: 'Hi from the cloud' }));
});

const client = (key = 'user-key', harness = gateway) =>
  new Ollama({ host: harness.url, headers: key === '' ? {} : { Authorization: `Bearer ${key}` } });

async function failure(promise: Promise<unknown>): Promise<{ message: string; status_code?: number }> {
  try {
    await promise;
  } catch (error) {
    return error as { message: string; status_code?: number };
  }
  throw new Error('the call did not fail');
}

describe('the ollama client against the gateway', () => {
  it('lists the models the gateway routes', async () => {
    cloud.handle((_, response) =>
      sendJson(response, 200, {
        object: 'list',
        data: [{ id: 'grok-3-mini', object: 'model', created: 0, owned_by: 'xai' }],
      }),
    );
    const list = await client().list();
    const names = list.models.map((model) => model.name);
    expect(names).toContain('llama3.2:latest');
    expect(names).toContain('cloud/grok-3-mini');
  });

  it('chats with an Ollama backend without streaming, with its counters', async () => {
    const response = await client().chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
      options: { temperature: 0, num_predict: 32, top_k: 5 },
    });
    expect(response.message.content).toBe('Hello! How are you today?');
    expect(response).toMatchObject({
      done: true,
      prompt_eval_count: 26,
      eval_count: 298,
      total_duration: 5191566416,
    });
    expect(bodyOf(ollama.requests[0])).toMatchObject({
      model: 'llama3.2',
      stream: false,
      options: { temperature: 0, num_predict: 32, top_k: 5 },
    });
    // Same format both sides: Ollama's own answer, byte for byte (its timestamp, not the gateway's).
    expect(new Date(response.created_at).toISOString()).toBe('2023-12-12T14:13:43.416Z');
  });

  it("forwards the client's own /api/chat bytes to Ollama, and a prefixed model with only the name changed", async () => {
    const body =
      '{"model":"llama3.2","messages":[{"role":"user","content":"hi"}],"stream":false,"keep_alive":"1m","custom":1}';
    const headers = { authorization: 'Bearer user-key' };
    const direct = await fetch(`${gateway.url}/api/chat`, { method: 'POST', headers, body });
    expect(direct.status).toBe(200);
    expect(ollama.requests[0]?.rawBody.toString()).toBe(body);
    const prefixed = body.replace('"llama3.2"', '"ollama/llama3.2"');
    await fetch(`${gateway.url}/api/chat`, { method: 'POST', headers, body: prefixed });
    expect(ollama.requests[1]?.rawBody.toString()).toBe(body);
  });

  it('translates to chat for a backend of another format and back (done_reason included)', async () => {
    const response = await client().chat({
      model: 'cloud/grok-3-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    });
    expect(response).toMatchObject({
      done: true,
      done_reason: 'stop',
      message: { role: 'assistant', content: 'Hi from the cloud' },
    });
  });

  it('streams a chat from an OpenAI-compatible backend as NDJSON', async () => {
    cloud.handle(streamWith(['Hel', 'lo']));
    const stream = await client().chat({
      model: 'cloud/grok-3-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    let text = '';
    let last: { done: boolean; eval_count?: number } | undefined;
    for await (const part of stream) {
      text += part.message.content;
      last = part;
    }
    expect(text).toBe('Hello');
    expect(last?.done).toBe(true);
    expect(typeof last?.eval_count).toBe('number');
    expect(cloud.requests[0]?.path).toBe('/v1/chat/completions');
  });

  it('generates, streamed and not, with system and format json', async () => {
    const single = await client().generate({
      model: 'cloud/grok-3-mini',
      prompt: 'why?',
      system: 'be short',
      format: 'json',
      stream: false,
    });
    expect(single.response).toBe('Hi from the cloud');
    expect(bodyOf(cloud.requests[0])).toMatchObject({
      messages: [
        { role: 'system', content: 'be short' },
        { role: 'user', content: 'why?' },
      ],
      response_format: { type: 'json_object' },
    });
    cloud.handle(streamWith(['a', 'b']));
    let text = '';
    for await (const part of await client().generate({ model: 'cloud/grok-3-mini', prompt: 'x', stream: true }))
      text += part.response;
    expect(text).toBe('ab');
  });

  it('calls tools with object arguments and sends structured output schemas', async () => {
    cloud.handle((_, response) =>
      sendJson(
        response,
        200,
        openaiBody({
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Tokyo"}' } },
          ],
        }),
      ),
    );
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'weather',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const response = await client().chat({
      model: 'cloud/grok-3-mini',
      messages: [{ role: 'user', content: 'Tokyo?' }],
      tools,
      stream: false,
    });
    expect(response.message.tool_calls).toEqual([{ function: { name: 'get_weather', arguments: { city: 'Tokyo' } } }]);
    cloud.handle(replyWith({ content: '{"city":"Tokyo"}' }));
    const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const structured = await client().chat({
      model: 'cloud/grok-3-mini',
      messages: [{ role: 'user', content: 'x' }],
      format: schema,
      stream: false,
    });
    expect(JSON.parse(structured.message.content)).toEqual({ city: 'Tokyo' });
    expect(bodyOf(cloud.requests[1]).response_format).toMatchObject({ type: 'json_schema', json_schema: { schema } });
  });

  it('embeds with /api/embed and the older /api/embeddings', async () => {
    const embedded = await client().embed({ model: 'all-minilm', input: 'hello' });
    expect(embedded.embeddings[0]?.[0]).toBe(0.010071029);
    expect(embedded.model).toBe('all-minilm');
    const legacy = await client().embeddings({ model: 'all-minilm', prompt: 'hello' });
    expect(legacy.embedding[0]).toBe(0.010071029);
  });

  it('shows an Ollama model from Ollama itself and another backend model from the gateway', async () => {
    const own = await client().show({ model: 'llama3.2:latest' });
    expect(own.modelfile).toBe('# llama');
    cloud.handle((_, response) =>
      sendJson(response, 200, {
        object: 'list',
        data: [{ id: 'grok-3-mini', object: 'model', created: 0, owned_by: 'xai' }],
      }),
    );
    const other = await client().show({ model: 'cloud/grok-3-mini' });
    expect(other.capabilities).toEqual(['completion', 'tools']);
  });

  it('reports errors as messages the client prints', async () => {
    ollama.handle((_, response) => sendJson(response, 404, fixture('doc-model-not-found.json')));
    const missing = await failure(
      client().chat({ model: 'nonexistent', messages: [{ role: 'user', content: 'x' }], stream: false }),
    );
    expect(missing.status_code).toBe(404);
    expect(missing.message).toContain("model 'nonexistent' not found");
    const noKey = await failure(client('').list());
    expect([noKey.status_code, noKey.message]).toEqual([
      401,
      'Missing API key: send it as X-API-Key or Authorization: Bearer <key>',
    ]);
    const unknown = await failure(client().pull({ model: 'llama3.2', stream: false }));
    expect(unknown.status_code).toBe(403);
    expect(unknown.message).toContain("needs the gateway's master key");
    expect(ollama.requests.some((request) => request.path === '/api/pull')).toBe(false);
  });

  it('proxies management calls to the default Ollama for the master key', async () => {
    const progress: string[] = [];
    for await (const part of await client('master-key').pull({ model: 'llama3.2', stream: true }))
      progress.push(part.status);
    expect(progress).toEqual(['pulling manifest', 'success']);
    expect(ollama.requests[0]?.rawBody.toString()).toBe('{"name":"llama3.2","stream":true}');
  });

  it("answers version and ps (the default Ollama's), and an empty generate only loads", async () => {
    expect((await client().version()).version).toBe(gateway.gateway.context.version);
    expect((await client().ps()).models.map((model) => model.name)).toEqual(['llama3.2:latest']);
    const loaded = await client().generate({ model: 'llama3.2', prompt: '', stream: false });
    expect([loaded.done, loaded.done_reason]).toEqual([true, 'load']);
    expect(ollama.requests.filter((request) => request.path === '/api/chat')).toHaveLength(0);
  });

  it('binds keyless Ollama clients to OLLAMA_API_DEFAULT_KEY while /v1 still needs a key', async () => {
    const response = await client('', bound).chat({
      model: 'llama3.2',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    });
    expect(response.message.content).toBe('Hello! How are you today?');
    const v1 = await fetch(`${bound.url}/v1/models`);
    expect(v1.status).toBe(401);
  });
});
