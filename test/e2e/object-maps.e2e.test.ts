/**
 * No request path of ours gives its objects a hidden class (V8 "map") of their own. On Node 20 an object spread
 * followed by a property the spread object lacked (`{ ...options, signal }`) makes a fresh map for every object
 * it builds, which slowed the whole process by 12–18 % of a request's CPU (docs/decisions/0019). The gateway
 * runs as `llamagate serve` under V8's `--log-maps`; the real `openai` and `@anthropic-ai/sdk` clients drive the
 * pass-through, the Ollama translation and Anthropic's Messages API, streamed and not, in the default
 * configuration (SQLite ledger); then every source position that made a fresh map for most requests of a path
 * must lie outside this repository's code.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Anthropic from '@anthropic-ai/sdk';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MockUpstream, type RecordedRequest, startMockUpstream } from '../../src/test-support/mock-upstream.js';
import { type GatewayProcess, spawnGateway } from './gateway-process.js';

const REQUESTS_PER_PATH = 150;
const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const API_KEY = 'sk-object-maps-0123456789';
const completion = (model: string) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1700000000,
  model,
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
});
const chunk = (delta: Record<string, unknown>, finish: string | null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const ollamaDone = { done: true, done_reason: 'stop', prompt_eval_count: 5, eval_count: 3 };
const ollamaLine = (content: string, done = false) =>
  `${JSON.stringify({ model: 'm', created_at: '2026-01-01T00:00:00Z', message: { role: 'assistant', content }, ...(done ? ollamaDone : { done: false }) })}\n`;

function answer(request: RecordedRequest, response: ServerResponse): void {
  const streaming = (request.body as { stream?: unknown } | undefined)?.stream === true;
  if (request.path === '/v1/chat/completions' && streaming) {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(
      `${chunk({ role: 'assistant', content: 'Hel' }, null)}${chunk({ content: 'lo' }, 'stop')}data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1700000000, model: 'm', choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } })}\n\ndata: [DONE]\n\n`,
    );
  } else if (request.path === '/v1/chat/completions') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(completion('m')));
  } else if (request.path === '/v1/embeddings') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }],
        model: 'm',
        usage: { prompt_tokens: 2, total_tokens: 2 },
      }),
    );
  } else if (request.path === '/api/chat' && streaming) {
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    response.end(`${ollamaLine('Hel')}${ollamaLine('lo')}${ollamaLine('', true)}`);
  } else if (request.path === '/api/chat') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(ollamaLine('Hello there.', true));
  } else {
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end('{"error":"not found"}');
  }
}

interface FreshMapSite {
  /**
   * The property whose addition made a fresh map, or `initial map of f` for a function's first instance map
   * (a generator or class made per call); and where (line:column of the code as V8 ran it).
   */
  property: string;
  position: string;
  count: number;
  /** The script of the code that ran it (`node:…` for Node's own), resolved from V8's code events. */
  script: string;
}

/**
 * Positions where V8 added a property by a transition from a map that keeps no transitions (the "prototype"
 * reason), i.e. where each object got a new map, or made a function's initial map (a function made per call and
 * used as a generator or constructor); with the script each one ran in.
 */
function freshMapSites(log: string, atLeast: number): FreshMapSite[] {
  const lines = log.split('\n');
  const counts = new Map<string, { count: number; pc: number; line: number }>();
  for (const [index, line] of lines.entries()) {
    const initial = line.startsWith('map,InitialMap,');
    if (!initial && !line.startsWith('map,Transition,')) continue;
    const fields = line.split(',');
    if (!initial && fields[8] !== 'prototype') continue;
    const name = fields.slice(9).join(',');
    const key = `${initial ? `initial map of ${name}` : name}@${fields[6]}:${fields[7]}`;
    const entry = counts.get(key);
    if (entry === undefined) counts.set(key, { count: 1, pc: Number(fields[5]), line: index });
    else entry.count++;
  }
  const sites: FreshMapSite[] = [];
  for (const [key, { count, pc, line }] of counts) {
    if (count < atLeast) continue;
    const at = key.lastIndexOf('@');
    sites.push({ property: key.slice(0, at), position: key.slice(at + 1), count, script: scriptAt(lines, line, pc) });
  }
  return sites;
}

/** The script whose code held `pc` when log line `upTo` was written (code-creation and code-move events). */
function scriptAt(lines: readonly string[], upTo: number, pc: number): string {
  const code = new Map<number, { size: number; name: string }>();
  for (const line of lines.slice(0, upTo)) {
    if (line.startsWith('code-creation,')) {
      const fields = line.split(',');
      code.set(Number(fields[4]), { size: Number(fields[5]), name: fields[6] ?? '' });
    } else if (line.startsWith('code-move,')) {
      const [, from, to] = line.split(',');
      const moved = code.get(Number(from));
      if (moved !== undefined) {
        code.delete(Number(from));
        code.set(Number(to), moved);
      }
    }
  }
  for (const [start, { size, name }] of code) if (pc >= start && pc < start + size) return name;
  return 'unresolved';
}

let upstream: MockUpstream;
let gateway: GatewayProcess | undefined;
let logFile: string;

beforeAll(async () => {
  upstream = await startMockUpstream(answer);
  const folder = mkdtempSync(join(tmpdir(), 'lg-maps-'));
  logFile = join(folder, 'v8.log');
  const configFile = join(folder, 'gateway.yaml');
  writeFileSync(
    configFile,
    `defaultBackend: ollama\nbackends:\n  - { name: pass, type: openai-compatible, config: { endpoint: "${upstream.url}/v1", apiKey: "sk-upstream-0123456789" } }\nmodels:\n  pass-model: pass/m\n`,
  );
  gateway = await spawnGateway(configFile, { OLLAMA_HOST: upstream.url, API_KEY, RATE_LIMIT_RPS: '1000000' }, [
    '--log-maps',
    '--log-code',
    `--logfile=${logFile}`,
    '--no-logfile-per-isolate',
  ]);
}, 60_000);

afterAll(async () => {
  await gateway?.kill();
  await upstream.close();
});

async function repeat(times: number, call: () => Promise<unknown>): Promise<void> {
  const lanes = 4;
  await Promise.all(
    Array.from({ length: lanes }, async (_lane, lane) => {
      for (let index = lane; index < times; index += lanes) await call();
    }),
  );
}

describe('objects built per request share their maps', () => {
  it('no position in our code makes a fresh map for each request', async () => {
    const url = (gateway as GatewayProcess).url;
    const openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: API_KEY, maxRetries: 0 });
    const anthropic = new Anthropic({ baseURL: url, apiKey: API_KEY, maxRetries: 0 });
    const messages = [{ role: 'user' as const, content: 'Say hello.' }];
    const drain = async (stream: AsyncIterable<unknown>) => {
      for await (const _event of stream);
    };
    await repeat(REQUESTS_PER_PATH, () => openai.chat.completions.create({ model: 'pass-model', messages }));
    await repeat(REQUESTS_PER_PATH, async () =>
      drain(await openai.chat.completions.create({ model: 'pass-model', messages, stream: true })),
    );
    await repeat(REQUESTS_PER_PATH, () => openai.chat.completions.create({ model: 'm', messages }));
    await repeat(REQUESTS_PER_PATH, async () =>
      drain(await openai.chat.completions.create({ model: 'm', messages, stream: true })),
    );
    await repeat(REQUESTS_PER_PATH, () => anthropic.messages.create({ model: 'm', max_tokens: 20, messages }));
    await repeat(REQUESTS_PER_PATH, async () =>
      drain(await anthropic.messages.create({ model: 'm', max_tokens: 20, messages, stream: true })),
    );
    await repeat(REQUESTS_PER_PATH, () => openai.embeddings.create({ model: 'pass-model', input: 'hello' }));
    const ollama = new Ollama({ host: url, headers: { authorization: `Bearer ${API_KEY}` } });
    await repeat(REQUESTS_PER_PATH, () => ollama.chat({ model: 'm', messages, stream: false }));
    await repeat(REQUESTS_PER_PATH, () => ollama.chat({ model: 'pass-model', messages, stream: false }));
    await (gateway as GatewayProcess).stop('SIGTERM');
    const log = readFileSync(logFile, 'utf8');
    const sites = freshMapSites(log, REQUESTS_PER_PATH / 2);
    // Node's own code comes from its start-up snapshot, which logs no code events: it stays unresolved.
    const ours = sites.filter((site) => site.script.includes(`${root}/src/`));
    expect(ours).toEqual([]);
    // The check can see our code: its functions' code events name the source files.
    expect(log).toContain(`${root}/src/server/routes/chat-route.ts`);
  }, 120_000);
});
