/**
 * An Ollama backend behind the gateway's Ollama API and legacy completions, with billing on (SQLite): `/api/chat`
 * and `/api/generate`, streamed and not, reach the client as the upstream's own bytes (fields the gateway does
 * not model included) while the ledger still gets the upstream's token counts; `/v1/completions` becomes Ollama's
 * `/api/generate`, so `suffix` works there and is a 400 naming it for another backend. Driven by the official
 * `ollama` and `openai` clients, and by fetch for the raw bytes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ollama } from 'ollama';
import { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockUpstream, type RecordedRequest, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { answerWith, type BillingGateway, PRICES_YAML, startBillingGateway, waitFor } from './billing-harness.js';

/** Ollama's answers, with what the gateway does not model: `context`, `load_duration`, a future field, spacing. */
const GENERATE_JSON =
  '{"model":"mock-llama","created_at":"2023-08-04T19:22:45.499127Z","response":"  return a + b","done":true,"done_reason":"stop","context":[1,2,3],"total_duration":10706818083,"load_duration":6338219291,"prompt_eval_count":26,"prompt_eval_duration":130079000,"eval_count":259,"eval_duration":4232710000,"future_field":{"x":1}}';
const GENERATE_LINES = [
  '{"model":"mock-llama","created_at":"2023-08-04T08:52:19.385406455-07:00","response":"The","done":false,"future_field":1}',
  '{"model": "mock-llama", "created_at":"2023-08-04T08:52:19.5Z","response":" sky é","done":false}',
  '{"model":"mock-llama","created_at":"2023-08-04T19:22:45.499127Z","response":"","done":true,"done_reason":"stop","context":[1,2,3],"total_duration":10706818083,"load_duration":6338219291,"prompt_eval_count":26,"prompt_eval_duration":130079000,"eval_count":290,"eval_duration":4709213000}',
];
const CHAT_LINES = [
  '{"model":"mock-llama","created_at":"2023-08-04T08:52:19.385406455-07:00","message":{"role":"assistant","content":"Hel","images":null},"done":false}',
  '{"model":"mock-llama","created_at":"2023-08-04T08:52:19.4Z","message":{"role":"assistant","content":"lo"},"done":false,"future_field":[true]}',
  '{"model":"mock-llama","created_at":"2023-08-04T19:22:45.499127Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"total_duration":4883583458,"load_duration":1334875,"prompt_eval_count":26,"prompt_eval_duration":342546000,"eval_count":282,"eval_duration":4535599000}',
];

/** The NDJSON body as Ollama would send it, written in pieces that split lines (and a character) apart. */
async function writeInPieces(response: ServerResponse, lines: readonly string[]): Promise<void> {
  response.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const body = Buffer.from(`${lines.join('\n')}\n`);
  const cuts = [7, Math.floor(body.length / 2), body.indexOf('é') + 1, body.length];
  let start = 0;
  for (const cut of cuts) {
    if (cut <= start) continue;
    await new Promise<void>((resolve) => response.write(body.subarray(start, cut), () => resolve()));
    start = cut;
  }
  response.end();
}

function answerOllama(request: RecordedRequest, response: ServerResponse): Promise<void> | void {
  const streaming = (request.body as { stream?: unknown }).stream !== false;
  if (request.path === '/api/generate' && !streaming) {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(GENERATE_JSON);
    return;
  }
  if (request.path === '/api/generate') return writeInPieces(response, GENERATE_LINES);
  if (request.path === '/api/chat' && streaming) return writeInPieces(response, CHAT_LINES);
  response.writeHead(404, { 'content-type': 'application/json' });
  response.end('{"error":"not found"}');
}

let ollama: MockUpstream;
let cloud: MockUpstream;
let gateway: BillingGateway;

beforeAll(async () => {
  ollama = await startMockUpstream();
  cloud = await startMockUpstream();
  const dir = mkdtempSync(join(tmpdir(), 'lg-ollama-passthrough-'));
  const configFile = join(dir, 'llamagate.yaml');
  writeFileSync(
    configFile,
    `defaultBackend: ollama
backends:
  - { name: ollama, type: ollama, config: { endpoint: "${ollama.url}" } }
  - { name: cloud, type: openai-compatible, config: { endpoint: "${cloud.url}/v1", apiKey: "sk-cloud" } }
${PRICES_YAML}`,
  );
  gateway = await startBillingGateway({ env: { LLAMAGATE_DATA_DIR: dir, CACHE_ENABLED: 'false' }, configFile });
});
afterAll(async () => {
  await gateway?.close();
  await ollama?.close();
  await cloud?.close();
});
beforeEach(() => {
  ollama.requests.length = 0;
  cloud.requests.length = 0;
  ollama.handle(answerOllama);
  cloud.handle(answerWith());
});

const ollamaClient = (key: string) => new Ollama({ host: gateway.url, headers: { Authorization: `Bearer ${key}` } });

function post(key: string, path: string, body: string): Promise<Response> {
  return fetch(`${gateway.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body });
}

/** The key's ledger rows once `count` were written: [prompt tokens, completion tokens, cost in micro-dollars]. */
async function ledger(keyId: string, count: number): Promise<(number | undefined)[][]> {
  const records = await waitFor(async () => {
    await gateway.flush();
    const list = await gateway.billing.storage.usage.list({ keyId });
    return list.length === count ? list : undefined;
  });
  return records
    .map((record) => [record.promptTokens, record.completionTokens, record.cost])
    .sort((left, right) => (left[1] ?? 0) - (right[1] ?? 0));
}

/** $10 per 1M prompt tokens and $30 per 1M completion tokens ("mock-*"), in micro-dollars. */
const cost = (prompt: number, completion: number) => prompt * 10 + completion * 30;

describe("Ollama's API to an Ollama backend: the upstream's bytes, billed from its counters", () => {
  it('passes /api/generate through without streaming', async () => {
    const { key, id } = await gateway.createKey({ name: 'generate', credits: 1 });
    const answer = await ollamaClient(key).generate({ model: 'mock-llama', prompt: 'def add(a, b):', stream: false });
    expect(answer).toMatchObject({ response: '  return a + b', context: [1, 2, 3], load_duration: 6338219291 });
    expect((answer as unknown as { future_field: unknown }).future_field).toEqual({ x: 1 });
    const body = '{"model":"mock-llama","prompt":"def add(a, b):","suffix":"\\n","stream":false,"unknown":1}';
    const raw = await post(key, '/api/generate', body);
    expect([raw.status, await raw.text()]).toEqual([200, GENERATE_JSON]);
    expect(ollama.requests.map((request) => request.path)).toEqual(['/api/generate', '/api/generate']);
    expect(ollama.requests[1]?.rawBody.toString()).toBe(body);
    expect(await ledger(id, 2)).toEqual([
      [26, 259, cost(26, 259)],
      [26, 259, cost(26, 259)],
    ]);
  });

  it('passes a streamed /api/generate through frame by frame', async () => {
    const { key, id } = await gateway.createKey({ name: 'generate-stream', credits: 1 });
    const parts = [];
    for await (const part of await ollamaClient(key).generate({ model: 'mock-llama', prompt: 'Why?', stream: true }))
      parts.push(part);
    expect(parts.map((part) => part.response).join('')).toBe('The sky é');
    expect(parts.at(-1)).toMatchObject({ done: true, context: [1, 2, 3], load_duration: 6338219291, eval_count: 290 });
    expect((parts[0] as unknown as { future_field: unknown }).future_field).toBe(1);
    const body = '{"model":"mock-llama","prompt":"Why?"}';
    const raw = await post(key, '/api/generate', body);
    expect(raw.headers.get('content-type')).toBe('application/x-ndjson');
    expect(await raw.text()).toBe(`${GENERATE_LINES.join('\n')}\n`);
    expect(ollama.requests[1]?.rawBody.toString()).toBe(body);
    expect(await ledger(id, 2)).toEqual([
      [26, 290, cost(26, 290)],
      [26, 290, cost(26, 290)],
    ]);
  });

  it('passes a streamed /api/chat through frame by frame', async () => {
    const { key, id } = await gateway.createKey({ name: 'chat-stream', credits: 1 });
    let text = '';
    const stream = await ollamaClient(key).chat({
      model: 'mock-llama',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    for await (const part of stream) text += part.message.content;
    expect(text).toBe('Hello');
    const body = '{"model":"mock-llama","messages":[{"role":"user","content":"hi"}],"options":{"num_ctx":4096}}';
    const raw = await post(key, '/api/chat', body);
    expect(await raw.text()).toBe(`${CHAT_LINES.join('\n')}\n`);
    expect(ollama.requests[1]?.rawBody.toString()).toBe(body);
    expect(await ledger(id, 2)).toEqual([
      [26, 282, cost(26, 282)],
      [26, 282, cost(26, 282)],
    ]);
  });

  it("ends with the upstream's own error line once, which the client throws", async () => {
    ollama.handle((_, response) => writeInPieces(response, [GENERATE_LINES[0] as string, '{"error":"out of memory"}']));
    const { key } = await gateway.createKey({ name: 'generate-error', credits: 1 });
    const raw = await post(key, '/api/generate', '{"model":"mock-llama","prompt":"x"}');
    expect(await raw.text()).toBe(`${GENERATE_LINES[0]}\n{"error":"out of memory"}\n`);
    const stream = await ollamaClient(key).generate({ model: 'mock-llama', prompt: 'x', stream: true });
    const thrown = await (async () => {
      for await (const _ of stream) {
        // drain until the error line
      }
    })().catch((error: Error) => error.message);
    expect(thrown).toBe('out of memory');
  });

  it("takes /api/generate's suffix for Ollama and refuses it, naming it, for another backend", async () => {
    const { key } = await gateway.createKey({ name: 'suffix', credits: 1 });
    const refused = await ollamaClient(key)
      .generate({ model: 'cloud/mock-1', prompt: 'def add(', suffix: '\n', stream: false })
      .catch((error: { status_code: number; message: string }) => [error.status_code, error.message]);
    expect(refused).toEqual([
      400,
      `'suffix' (fill-in-the-middle) needs an Ollama backend; "cloud/mock-1" routes to a backend that cannot take it`,
    ]);
    expect(cloud.requests).toHaveLength(0);
  });
});

describe('legacy completions to an Ollama backend: /api/generate', () => {
  it('sends prompt, suffix and options to /api/generate and answers a text_completion with its usage', async () => {
    const { key, id } = await gateway.createKey({ name: 'completions', credits: 1 });
    const completion = await gateway.client(key).completions.create({
      model: 'mock-llama',
      prompt: 'def add(a, b):',
      suffix: '\n    return',
      // Above what the mock reports (259), so the charge is not capped at the hold (bounded settlement).
      max_tokens: 320,
      temperature: 0,
      stop: ['\n\n'],
    });
    expect(ollama.requests.map((request) => request.path)).toEqual(['/api/generate']);
    expect(ollama.requests[0]?.rawBody.toString()).toBe(
      '{"model":"mock-llama","prompt":"def add(a, b):","suffix":"\\n    return","options":{"num_predict":320,"temperature":0,"stop":["\\n\\n"]},"stream":false}',
    );
    expect(completion).toMatchObject({
      object: 'text_completion',
      model: 'mock-llama',
      choices: [{ text: '  return a + b', index: 0, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 26, completion_tokens: 259, total_tokens: 285 },
    });
    expect(await ledger(id, 1)).toEqual([[26, 259, cost(26, 259)]]);
  });

  it('streams a completion from /api/generate with the usage chunk', async () => {
    const { key, id } = await gateway.createKey({ name: 'completions-stream', credits: 1 });
    const stream = await gateway.client(key).completions.create({
      model: 'mock-llama',
      prompt: 'Why is the sky blue?',
      max_tokens: 300,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    const finishes: unknown[] = [];
    for await (const chunk of stream) {
      text += chunk.choices[0]?.text ?? '';
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(ollama.requests[0]?.rawBody.toString()).toBe(
      '{"model":"mock-llama","prompt":"Why is the sky blue?","options":{"num_predict":300},"stream":true}',
    );
    expect([text, finishes, usage]).toEqual([
      'The sky é',
      ['stop'],
      { prompt_tokens: 26, completion_tokens: 290, total_tokens: 316 },
    ]);
    expect(await ledger(id, 1)).toEqual([[26, 290, cost(26, 290)]]);
  });

  it('keeps a chat turn for another backend, where suffix is a 400 naming it before any call', async () => {
    const { key } = await gateway.createKey({ name: 'completions-cloud', credits: 1 });
    const client = gateway.client(key);
    const plain = await client.completions.create({ model: 'cloud/mock-1', prompt: 'Say hi', max_tokens: 5 });
    expect(plain.choices[0]?.text).toBe('Hello there!');
    expect(cloud.requests[0]?.path).toBe('/v1/chat/completions');
    const error = await client.completions
      .create({ model: 'cloud/mock-1', prompt: 'def add(', suffix: ')' })
      .catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(APIError);
    expect([(error as APIError).status, (error as APIError).error]).toEqual([
      400,
      {
        message: `'suffix' (fill-in-the-middle) needs an Ollama backend; "cloud/mock-1" routes to a backend that cannot take it (chat backends answer legacy completions as a chat turn)`,
        type: 'invalid_request_error',
        code: 'invalid_request',
        param: 'suffix',
        request_id: expect.any(String),
      },
    ]);
    expect(cloud.requests).toHaveLength(1);
  });
});
