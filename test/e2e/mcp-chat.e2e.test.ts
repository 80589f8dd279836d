/**
 * The MCP tool loop end to end: the real gateway with server-filesystem on a temporary directory, a mock
 * Ollama that issues tool calls, and the official openai client — non-streaming and streaming (the exact
 * chunk grammar: one final finish_reason, no leaked intermediate turn), limits, allow/deny, and /v1/mcp/*.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  bodyOf,
  type MockUpstream,
  type RecordedRequest,
  sendJson,
  startMockUpstream,
} from '../../src/test-support/mock-upstream.js';
import { filesystemServer } from '../mcp/mcp-test-servers.js';
import { type Harness, startGateway } from './gateway-harness.js';

const directory = mkdtempSync(join(tmpdir(), 'lg-mcp-e2e-'));
const notes = join(directory, 'notes.txt');
writeFileSync(notes, 'The launch code is 4242.');

type Script = 'read' | 'loop' | 'write-denied';
let script: Script = 'read';
let ollama: MockUpstream;
let gateway: Harness;

interface OllamaMessage {
  role: string;
  content?: string;
}

function ndjson(response: ServerResponse, lines: unknown[]): void {
  response.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const line of lines) response.write(`${JSON.stringify(line)}\n`);
  response.end();
}

/** One Ollama answer: text and/or tool calls, as a single body or as a stream of NDJSON chunks. */
function answer(
  response: ServerResponse,
  stream: boolean,
  text: string,
  calls: { name: string; arguments: unknown }[],
) {
  const done = {
    model: 'llama3.2',
    created_at: '2025-07-07T20:22:19Z',
    done: true,
    done_reason: 'stop',
    prompt_eval_count: 100,
    eval_count: 7,
  };
  const toolCalls = calls.map((call) => ({ function: call }));
  if (!stream) {
    return sendJson(response, 200, {
      ...done,
      message: { role: 'assistant', content: text, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) },
    });
  }
  const lines: unknown[] = [];
  for (const word of text.split(/(?<= )/)) {
    if (word !== '')
      lines.push({ model: 'llama3.2', created_at: 'x', message: { role: 'assistant', content: word }, done: false });
  }
  if (toolCalls.length > 0)
    lines.push({
      model: 'llama3.2',
      created_at: 'x',
      message: { role: 'assistant', content: '', tool_calls: toolCalls },
      done: false,
    });
  lines.push({ ...done, message: { role: 'assistant', content: '' } });
  ndjson(response, lines);
}

function ollamaChat(request: RecordedRequest, response: ServerResponse): void {
  const body = bodyOf(request) as { messages: OllamaMessage[]; stream?: boolean };
  const stream = body.stream !== false;
  const toolResults = body.messages.filter((message) => message.role === 'tool');
  if (script === 'loop') {
    answer(response, stream, '', [{ name: 'mcp__fs__list_allowed_directories', arguments: {} }]);
  } else if (script === 'write-denied' && toolResults.length === 0) {
    answer(response, stream, '', [
      { name: 'mcp__fs__write_file', arguments: { path: join(directory, 'evil.txt'), content: 'x' } },
    ]);
  } else if (toolResults.length === 0) {
    answer(response, stream, 'Let me read it. ', [{ name: 'mcp__fs__read_text_file', arguments: { path: notes } }]);
  } else {
    answer(response, stream, `The file says: ${toolResults.at(-1)?.content}`, []);
  }
}

async function waitForServers(): Promise<void> {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${gateway.url}/v1/mcp/servers`, {
      headers: { authorization: 'Bearer gateway-secret' },
    });
    const body = (await response.json()) as { servers: { health: { healthy: boolean } }[] };
    if (body.servers.every((server) => server.health.healthy)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('MCP servers did not connect');
}

beforeAll(async () => {
  ollama = await startMockUpstream(async (request, response) => {
    if (request.path === '/api/chat') return ollamaChat(request, response);
    return sendJson(response, 404, { error: 'not found' });
  });
  const file = join(directory, 'llamagate.yaml');
  const fs = filesystemServer(directory, 'fs');
  writeFileSync(
    file,
    [
      'mcp:',
      '  enabled: true',
      '  maxToolRounds: 2',
      '  denyTools: [fs.write_file, fs.edit_file]',
      '  servers:',
      `    - { name: fs, command: ${JSON.stringify(fs.command)}, args: ${JSON.stringify(fs.args)} }`,
    ].join('\n'),
  );
  gateway = await startGateway({ env: { OLLAMA_HOST: ollama.url, API_KEY: 'gateway-secret' }, configFile: file });
  await waitForServers();
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await ollama?.close();
});

beforeEach(() => {
  script = 'read';
  ollama.requests.length = 0;
});

const question = [{ role: 'user' as const, content: 'What is in notes.txt?' }];

describe('the MCP tool loop through /v1/chat/completions', () => {
  it('runs server-filesystem’s tool, feeds the result back and answers (non-streaming)', async () => {
    const completion = await gateway
      .client('gateway-secret')
      .chat.completions.create({ model: 'llama3.2', messages: question });
    expect(completion.choices[0]?.message.content).toBe('Let me read it. The file says: The launch code is 4242.');
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    expect(completion.usage).toMatchObject({ prompt_tokens: 200, completion_tokens: 14, total_tokens: 214 });
    const first = bodyOf(ollama.requests[0]) as { tools: { function: { name: string } }[] };
    const offered = first.tools.map((tool) => tool.function.name);
    expect(offered).toContain('mcp__fs__read_text_file');
    expect(offered).not.toContain('mcp__fs__write_file');
    const second = bodyOf(ollama.requests[1]) as { messages: OllamaMessage[] };
    expect(second.messages.at(-1)).toMatchObject({ role: 'tool', content: 'The launch code is 4242.' });
  });

  it('streams every round’s text with exactly one finish_reason and no leaked tool turn', async () => {
    const response = await fetch(`${gateway.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer gateway-secret', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'llama3.2',
        messages: question,
        stream: true,
        stream_options: { include_usage: true },
      }),
    });
    expect(response.status).toBe(200);
    const events = (await response.text()).split('\n\n').filter((event) => event !== '');
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((event) => {
      expect(event.startsWith('data: ')).toBe(true);
      return JSON.parse(event.slice(6)) as {
        choices: { delta: { content?: string | null; tool_calls?: unknown }; finish_reason: string | null }[];
        usage?: { prompt_tokens: number; completion_tokens: number } | null;
      };
    });
    const finishes = chunks
      .flatMap((chunk) => chunk.choices.map((choice) => choice.finish_reason))
      .filter((reason) => reason !== null);
    expect(finishes).toEqual(['stop']);
    expect(chunks.some((chunk) => chunk.choices.some((choice) => choice.delta.tool_calls !== undefined))).toBe(false);
    const text = chunks.flatMap((chunk) => chunk.choices.map((choice) => choice.delta.content ?? '')).join('');
    expect(text).toBe('Let me read it. The file says: The launch code is 4242.');
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 200, completion_tokens: 14 });
    expect(chunks.filter((chunk) => chunk.usage !== undefined && chunk.usage !== null)).toHaveLength(1);
  });

  it('streams through the official openai client', async () => {
    const stream = await gateway
      .client('gateway-secret')
      .chat.completions.create({ model: 'llama3.2', messages: question, stream: true });
    let text = '';
    const finishes: string[] = [];
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        if (choice.finish_reason !== null) finishes.push(choice.finish_reason);
      }
    }
    expect(text).toBe('Let me read it. The file says: The launch code is 4242.');
    expect(finishes).toEqual(['stop']);
  });

  it('ends with 422 max_tool_rounds_exceeded when the model keeps calling tools (both modes)', async () => {
    script = 'loop';
    const client = gateway.client('gateway-secret');
    const error = await client.chat.completions
      .create({ model: 'llama3.2', messages: question })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIError);
    expect(error).toMatchObject({ status: 422, code: 'max_tool_rounds_exceeded' });
    expect((error as APIError).message).toContain('MCP_MAX_TOOL_ROUNDS');
    expect(ollama.requests).toHaveLength(3);
    const streamed = await client.chat.completions
      .create({ model: 'llama3.2', messages: question, stream: true })
      .catch((caught: unknown) => caught);
    expect(streamed).toMatchObject({ status: 422, code: 'max_tool_rounds_exceeded' });
  });

  it('never runs a denied tool: the model is told so and the file is not written', async () => {
    script = 'write-denied';
    const completion = await gateway
      .client('gateway-secret')
      .chat.completions.create({ model: 'llama3.2', messages: question });
    expect(completion.choices[0]?.message.content).toContain('is denied by MCP_DENY_TOOLS (fs.write_file)');
    expect(existsSync(join(directory, 'evil.txt'))).toBe(false);
  });
});

describe('the /v1/mcp management API', () => {
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${gateway.url}${path}`, {
      ...init,
      headers: { authorization: 'Bearer gateway-secret', 'content-type': 'application/json', ...init.headers },
    });

  it('lists servers, health, tools (deny applied) and stats', async () => {
    const servers = (await (await api('/v1/mcp/servers')).json()) as Record<string, unknown>;
    expect(servers).toMatchObject({
      count: 1,
      servers: [{ name: 'fs', transport: 'stdio', status: 'connected', health: { healthy: true } }],
    });
    const health = await (await api('/v1/mcp/servers/fs/health')).json();
    expect(health).toMatchObject({ healthy: true, protocol_version: '2025-11-25' });
    expect(await (await api('/v1/mcp/servers/health')).json()).toMatchObject({ healthy: true, count: 1 });
    const tools = (await (await api('/v1/mcp/servers/fs/tools')).json()) as {
      tools: { name: string; qualified_name: string }[];
    };
    const names = tools.tools.map((tool) => tool.name);
    expect(names).toContain('read_text_file');
    expect(names).not.toContain('write_file');
    expect(tools.tools.find((tool) => tool.name === 'read_text_file')?.qualified_name).toBe('mcp.fs.read_text_file');
    expect(await (await api('/v1/mcp/servers/fs/prompts')).json()).toMatchObject({ server: 'fs', count: 0 });
    const refreshed = await api('/v1/mcp/servers/fs/refresh', { method: 'POST' });
    expect(await refreshed.json()).toMatchObject({ name: 'fs', refreshed: true });
  });

  it('executes an allowed tool, refuses a denied one (403) and names unknown servers (404)', async () => {
    const executed = await api('/v1/mcp/execute', {
      method: 'POST',
      body: JSON.stringify({ server: 'fs', tool: 'read_text_file', arguments: { path: notes } }),
    });
    expect(executed.status).toBe(200);
    expect(await executed.json()).toMatchObject({
      server: 'fs',
      tool: 'read_text_file',
      is_error: false,
      text: 'The launch code is 4242.',
    });
    const denied = await api('/v1/mcp/execute', {
      method: 'POST',
      body: JSON.stringify({
        server: 'fs',
        tool: 'write_file',
        arguments: { path: join(directory, 'x.txt'), content: 'x' },
      }),
    });
    expect(denied.status).toBe(403);
    expect(await denied.json()).toMatchObject({ error: { code: 'mcp_tool_not_allowed', type: 'permission_error' } });
    expect(existsSync(join(directory, 'x.txt'))).toBe(false);
    const unknown = await api('/v1/mcp/servers/nope/tools');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({
      error: { code: 'mcp_server_not_found', message: 'No MCP server is named "nope"' },
    });
    const stats = (await (await api('/v1/mcp/servers/fs/stats')).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({
      server: 'fs',
      recent_calls: expect.arrayContaining([
        expect.objectContaining({ source: 'api', tool: 'read_text_file', outcome: 'ok' }),
      ]),
    });
    expect(stats.calls).toBeGreaterThan(0);
  });

  it('needs the same credentials as /v1', async () => {
    const response = await fetch(`${gateway.url}/v1/mcp/servers`);
    expect(response.status).toBe(401);
  });
});

describe('with MCP disabled', () => {
  it('answers /v1/mcp/* with 404 saying how to enable it, and chat passes through untouched', async () => {
    const plain = await startGateway({ env: { OLLAMA_HOST: ollama.url } });
    try {
      const response = await fetch(`${plain.url}/v1/mcp/servers`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain('MCP_ENABLED=true');
    } finally {
      await plain.close();
    }
  });
});
