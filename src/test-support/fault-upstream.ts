/**
 * A mock upstream that speaks both OpenAI's API (`/v1/...`) and Ollama's (`/api/...`) and misbehaves on
 * demand: the fault is named in the path (`/fault/<fault>/v1/chat/completions`), so one server can back many
 * gateway backends, each with its own fault and its own circuit breaker, and concurrent tests never race on
 * a shared "next answer" setting. Without a fault prefix it answers normally.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const UPSTREAM_FAULTS = [
  /** Answers normally. */
  'ok',
  /** Destroys the connection as soon as the request arrives (no status line). */
  'reset-before-headers',
  /** Sends 200 headers and half a body, then destroys the connection. */
  'reset-mid-body',
  /** Reads the request and never answers (until the caller gives up or the server closes). */
  'stall',
  /** Streams one chunk, then never sends another. */
  'stall-mid-stream',
  /** Streams the answer one word every `dripMs` (a plain answer waits 5 × `dripMs`): slow, but a success. */
  'slow-drip',
  /** A stream that ends cleanly after some content, without a finish reason or `[DONE]` / `done: true`. */
  'truncated-stream',
  /** 200 with an HTML page (a captive portal or a misrouted proxy). */
  'html-200',
  /** 200 with an empty body. */
  'empty-200',
  /** 200 whose JSON body is cut short. */
  'invalid-json',
  /** 429 with `Retry-After: 7`. */
  'rate-limited',
  /** 500 with an error body. */
  'server-error',
  /** 503 with an error body. */
  'overloaded',
  /** A stream whose second line is longer than any sane cap (`hugeLineBytes`). */
  'huge-line',
] as const;

export type UpstreamFault = (typeof UPSTREAM_FAULTS)[number];

export interface FaultCall {
  fault: UpstreamFault;
  dialect: 'openai' | 'ollama';
  /** The path after the fault prefix (`/v1/chat/completions`, `/api/chat`…). */
  path: string;
  body: unknown;
  /** Resolves when the caller closed the connection before the answer was complete (an aborted upstream call). */
  aborted: Promise<void>;
  wasAborted: boolean;
}

export interface FaultUpstream {
  readonly url: string;
  /** Base URL for a backend whose every call meets `fault` (`/v1` appended for OpenAI-compatible backends). */
  baseUrl(fault: UpstreamFault, dialect: 'openai' | 'ollama'): string;
  /** Model calls received (chat, completions, embeddings; not model listings or version probes). */
  readonly calls: FaultCall[];
  /** Every request received, model calls or not (`GET /x.png`…). */
  readonly received: { method: string; path: string }[];
  /** Resolves with the next model call to arrive. */
  nextCall(): Promise<FaultCall>;
  close(): Promise<void>;
}

export interface FaultUpstreamOptions {
  /** Size of the oversized line of `huge-line` (default 2 MiB; set the gateway's cap below it). */
  hugeLineBytes?: number;
  /** Pause between the words of a `slow-drip` answer (default 40 ms). */
  dripMs?: number;
  /** Usage the answers report (default 10 prompt, 5 completion tokens). */
  usage?: { prompt: number; completion: number };
}

const WORDS = ['Hello', ' from', ' the', ' fault', ' upstream', '.'];

export async function startFaultUpstream(options: FaultUpstreamOptions = {}): Promise<FaultUpstream> {
  const hugeLineBytes = options.hugeLineBytes ?? 2 * 1024 * 1024;
  const usage = options.usage ?? { prompt: 10, completion: 5 };
  const dripMs = options.dripMs ?? 40;
  const calls: FaultCall[] = [];
  const received: { method: string; path: string }[] = [];
  const waiters: ((call: FaultCall) => void)[] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    received.push({ method: request.method ?? 'GET', path: url.pathname });
    const match = /^\/fault\/([a-z0-9-]+)(\/.*)$/.exec(url.pathname);
    const fault = (match?.[1] ?? 'ok') as UpstreamFault;
    const path = match?.[2] ?? url.pathname;
    const dialect = path.startsWith('/api/') ? 'ollama' : 'openai';
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    if (!UPSTREAM_FAULTS.includes(fault)) return json(response, 404, { error: `unknown fault ${fault}` });
    if (!isModelCall(path)) return answerMetadata(path, response);

    let markAborted!: () => void;
    const call: FaultCall = {
      fault,
      dialect,
      path,
      body,
      wasAborted: false,
      aborted: new Promise<void>((resolve) => {
        markAborted = resolve;
      }),
    };
    response.on('close', () => {
      if (!response.writableFinished) {
        call.wasAborted = true;
        markAborted();
      }
    });
    calls.push(call);
    for (const waiter of waiters.splice(0)) waiter(call);
    await serveFault(call, response, { hugeLineBytes, usage, dripMs });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    baseUrl: (fault, dialect) => `${url}/fault/${fault}${dialect === 'openai' ? '/v1' : ''}`,
    calls,
    received,
    nextCall: () => new Promise((resolve) => waiters.push(resolve)),
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

function isModelCall(path: string): boolean {
  return /\/(chat\/completions|completions|embeddings|chat|generate|embed)$/.test(path);
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Model listings and version probes (health checks) always answer, whatever the fault. */
function answerMetadata(path: string, response: ServerResponse): void {
  if (path.endsWith('/api/tags'))
    json(response, 200, { models: [{ name: 'fault-model:latest', model: 'fault-model:latest' }] });
  else if (path.endsWith('/api/version')) json(response, 200, { version: '0.12.0' });
  else if (path.endsWith('/api/show')) json(response, 200, { details: {}, model_info: {}, capabilities: [] });
  else if (path.endsWith('/models'))
    json(response, 200, { object: 'list', data: [{ id: 'fault-model', object: 'model', owned_by: 'fault' }] });
  else json(response, 404, { error: `no such path ${path}` });
}

interface ServeSettings {
  hugeLineBytes: number;
  dripMs: number;
  usage: { prompt: number; completion: number };
}

async function serveFault(call: FaultCall, response: ServerResponse, settings: ServeSettings): Promise<void> {
  // Ollama streams unless told `stream: false`; OpenAI only when told `stream: true`; embeddings never do.
  const asked = (call.body as { stream?: unknown } | undefined)?.stream;
  const stream = !/embed/.test(call.path) && (call.dialect === 'ollama' ? asked !== false : asked === true);
  switch (call.fault) {
    case 'reset-before-headers':
      response.socket?.destroy();
      return;
    case 'stall':
      return;
    case 'html-200':
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>');
      return;
    case 'empty-200':
      response.writeHead(200, { 'content-type': stream ? contentType(call) : 'application/json' });
      response.end();
      return;
    case 'invalid-json':
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"id":"broken","choices":[{"message":');
      return;
    case 'rate-limited':
      return json(response, 429, errorBody(call, 'Rate limit reached, slow down'), { 'retry-after': '7' });
    case 'server-error':
      return json(response, 500, errorBody(call, 'The upstream had an internal error'));
    case 'overloaded':
      return json(response, 503, errorBody(call, 'The upstream is overloaded'));
    case 'reset-mid-body': {
      const whole = JSON.stringify(stream ? {} : completion(call, settings.usage));
      response.writeHead(200, { 'content-type': stream ? contentType(call) : 'application/json' });
      response.write(stream ? line(call, chunkOf(call, 'Hel')) : whole.slice(0, Math.floor(whole.length / 2)));
      await delay(20);
      response.socket?.destroy();
      return;
    }
    default:
      break;
  }
  if (!stream) {
    if (call.fault === 'slow-drip') await delay(settings.dripMs * 5);
    return json(response, 200, completion(call, settings.usage));
  }
  response.writeHead(200, { 'content-type': contentType(call), 'cache-control': 'no-cache' });
  response.flushHeaders();
  const write = (text: string) =>
    new Promise<void>((resolve) => {
      if (response.destroyed) return resolve();
      response.write(text, () => resolve());
    });
  if (call.fault === 'stall-mid-stream') {
    await write(line(call, chunkOf(call, WORDS[0] ?? '')));
    return;
  }
  if (call.fault === 'huge-line') {
    await write(line(call, chunkOf(call, WORDS[0] ?? '')));
    await write(line(call, chunkOf(call, 'x'.repeat(settings.hugeLineBytes))));
    response.end();
    return;
  }
  const words = call.fault === 'truncated-stream' ? WORDS.slice(0, 3) : WORDS;
  for (const word of words) {
    await write(line(call, chunkOf(call, word)));
    if (call.fault === 'slow-drip') await delay(settings.dripMs);
  }
  if (call.fault === 'truncated-stream') {
    response.end();
    return;
  }
  for (const final of finalChunks(call, settings.usage)) await write(line(call, final));
  if (call.dialect === 'openai') await write('data: [DONE]\n\n');
  response.end();
}

function contentType(call: FaultCall): string {
  return call.dialect === 'ollama' ? 'application/x-ndjson' : 'text/event-stream';
}

function line(call: FaultCall, payload: unknown): string {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return call.dialect === 'ollama' ? `${text}\n` : `data: ${text}\n\n`;
}

function modelOf(call: FaultCall): string {
  return String((call.body as { model?: unknown } | undefined)?.model ?? 'fault-model');
}

function errorBody(call: FaultCall, message: string): unknown {
  return call.dialect === 'ollama' ? { error: message } : { error: { message, type: 'server_error', code: null } };
}

function chunkOf(call: FaultCall, word: string): unknown {
  if (call.dialect === 'ollama') {
    const base = { model: modelOf(call), created_at: '2026-01-01T00:00:00Z', done: false };
    return call.path.endsWith('/generate')
      ? { ...base, response: word }
      : { ...base, message: { role: 'assistant', content: word } };
  }
  const base = { id: 'chatcmpl-fault', object: 'chat.completion.chunk', created: 1_700_000_000, model: modelOf(call) };
  if (call.path.endsWith('/completions') && !call.path.endsWith('/chat/completions'))
    return { ...base, object: 'text_completion', choices: [{ index: 0, text: word, finish_reason: null }] };
  return { ...base, choices: [{ index: 0, delta: { content: word }, finish_reason: null }] };
}

function finalChunks(call: FaultCall, usage: ServeSettings['usage']): unknown[] {
  if (call.dialect === 'ollama') {
    const base = { model: modelOf(call), created_at: '2026-01-01T00:00:00Z', done: true, done_reason: 'stop' };
    const counts = { prompt_eval_count: usage.prompt, eval_count: usage.completion };
    return call.path.endsWith('/generate')
      ? [{ ...base, response: '', ...counts }]
      : [{ ...base, message: { role: 'assistant', content: '' }, ...counts }];
  }
  const base = { id: 'chatcmpl-fault', object: 'chat.completion.chunk', created: 1_700_000_000, model: modelOf(call) };
  const openAIUsage = {
    prompt_tokens: usage.prompt,
    completion_tokens: usage.completion,
    total_tokens: usage.prompt + usage.completion,
  };
  return [
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    { ...base, choices: [], usage: openAIUsage },
  ];
}

function completion(call: FaultCall, usage: ServeSettings['usage']): unknown {
  const text = WORDS.join('');
  const model = modelOf(call);
  if (call.dialect === 'ollama') {
    if (call.path.endsWith('/embed')) return { model, embeddings: [[0.1, 0.2]], prompt_eval_count: usage.prompt };
    const base = {
      model,
      created_at: '2026-01-01T00:00:00Z',
      done: true,
      done_reason: 'stop',
      prompt_eval_count: usage.prompt,
      eval_count: usage.completion,
    };
    return call.path.endsWith('/generate')
      ? { ...base, response: text }
      : { ...base, message: { role: 'assistant', content: text } };
  }
  const openAIUsage = {
    prompt_tokens: usage.prompt,
    completion_tokens: usage.completion,
    total_tokens: usage.prompt + usage.completion,
  };
  if (call.path.endsWith('/embeddings'))
    return {
      object: 'list',
      model,
      data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
      usage: { prompt_tokens: usage.prompt, total_tokens: usage.prompt },
    };
  if (!call.path.endsWith('/chat/completions'))
    return {
      id: 'cmpl-fault',
      object: 'text_completion',
      created: 1_700_000_000,
      model,
      choices: [{ index: 0, text, finish_reason: 'stop', logprobs: null }],
      usage: openAIUsage,
    };
  return {
    id: 'chatcmpl-fault',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    usage: openAIUsage,
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
