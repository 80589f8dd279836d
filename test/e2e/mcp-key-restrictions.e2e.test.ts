/**
 * Per-key MCP restrictions end to end (billing on SQLite, the fault server over stdio): a key's `mcp_tools`
 * globs decide what the tool loop offers and runs (the official `openai` client), what `/v1/mcp/*` shows and
 * executes, and what the `/mcp` hub lists and calls (the official MCP SDK client); a key without the field
 * sees everything the gateway allows.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { faultStdio } from '../mcp/mcp-test-servers.js';
import { startToolCallingUpstream, type ToolCallingUpstream } from '../mcp/tool-calling-upstream.js';
import { type BillingGateway, startBillingGateway, writeGatewayConfig } from './billing-harness.js';

let upstream: ToolCallingUpstream;
let gateway: BillingGateway;
const keys: Record<'echoOnly' | 'none' | 'all', string> = { echoOnly: '', none: '', all: '' };
let echoOnlyId = '';

beforeAll(async () => {
  upstream = await startToolCallingUpstream();
  const fault = faultStdio();
  const mcp = [
    'mcp:',
    '  enabled: true',
    '  servers:',
    `    - { name: fault, command: ${JSON.stringify(fault.command)}, args: ${JSON.stringify(fault.args)}, cwd: ${JSON.stringify(fault.cwd)} }`,
    '',
  ].join('\n');
  gateway = await startBillingGateway({
    env: { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-mcp-keys-')), CACHE_ENABLED: 'false' },
    configFile: writeGatewayConfig(upstream.url, mcp),
  });
  await gateway.mcpServersConnected();
  const echoOnly = await gateway.createKey({ name: 'echo-only', credits: 10, mcp_tools: ['fault.echo'] });
  keys.echoOnly = echoOnly.key;
  echoOnlyId = echoOnly.id;
  keys.none = (await gateway.createKey({ name: 'no-mcp', credits: 10, mcp_tools: [] })).key;
  keys.all = (await gateway.createKey({ name: 'everything', credits: 10 })).key;
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

beforeEach(() => {
  upstream.script([{ text: 'Hi' }]);
});

const call = (key: string, path: string, init: RequestInit = {}) =>
  fetch(`${gateway.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  });

const offered = () => (upstream.chats()[0]?.tools ?? []).map((tool) => tool.function.name).sort();

describe('mcp_tools in the admin API', () => {
  it('is shown on create, get and list, changed by PATCH (null clears it) and validated', async () => {
    const one = await gateway.admin<Record<string, unknown>>('GET', `/admin/keys/${echoOnlyId}`);
    expect(one.body.mcp_tools).toEqual(['fault.echo']);
    const listed = await gateway.admin<{ data: { id: string; mcp_tools: unknown }[] }>('GET', '/admin/keys');
    expect(listed.body.data.find((key) => key.id === echoOnlyId)?.mcp_tools).toEqual(['fault.echo']);
    const { id } = await gateway.createKey({ name: 'patched', mcp_tools: ['fault.*'] });
    const patched = await gateway.admin('PATCH', `/admin/keys/${id}`, { mcp_tools: ['fault.slow', 'fault.fail'] });
    expect(patched.body.mcp_tools).toEqual(['fault.slow', 'fault.fail']);
    const cleared = await gateway.admin('PATCH', `/admin/keys/${id}`, { mcp_tools: null });
    expect(cleared.body.mcp_tools).toBeNull();
    const invalid = await gateway.admin<{ error: { param: string } }>('PATCH', `/admin/keys/${id}`, {
      mcp_tools: 'fault.*',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.param).toBe('mcp_tools');
  });
});

describe('the tool loop (openai client)', () => {
  it('offers a restricted key only its tools, an empty list none, and no restriction everything', async () => {
    await gateway
      .client(keys.echoOnly)
      .chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] });
    expect(offered()).toEqual(['mcp__fault__echo']);
    upstream.script([{ text: 'Hi' }]);
    await gateway
      .client(keys.none)
      .chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] });
    expect(upstream.chats()[0]?.tools).toBeUndefined();
    upstream.script([{ text: 'Hi' }]);
    await gateway
      .client(keys.all)
      .chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'hi' }] });
    expect(offered()).toEqual(expect.arrayContaining(['mcp__fault__echo', 'mcp__fault__whoami', 'mcp__fault__slow']));
  });

  it('never runs a tool outside the key’s list: the model is told so', async () => {
    upstream.script([{ calls: [{ name: 'mcp__fault__whoami', arguments: {} }] }, { text: 'Done.' }]);
    const completion = await gateway
      .client(keys.echoOnly)
      .chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'who am I?' }] });
    expect(completion.choices[0]?.message.content).toBe('Done.');
    const toolMessage = upstream.chats()[1]?.messages.at(-1);
    expect(toolMessage).toMatchObject({
      role: 'tool',
      content: 'Error: Refused: the tool mcp.fault.whoami is not allowed for this API key',
    });
  });

  it('refuses a request that names a tool outside the key’s list (403)', async () => {
    const error = await gateway
      .client(keys.echoOnly)
      .chat.completions.create({
        model: 'mock-1',
        messages: [{ role: 'user', content: 'hi' }],
        tools: [{ type: 'function', function: { name: 'mcp.fault.whoami' } }],
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 403, code: 'mcp_tool_not_allowed' });
  });
});

describe('/v1/mcp/* for a restricted key', () => {
  it('lists and executes only the key’s tools', async () => {
    const tools = (await (await call(keys.echoOnly, '/v1/mcp/servers/fault/tools')).json()) as {
      tools: { name: string }[];
    };
    expect(tools.tools.map((tool) => tool.name)).toEqual(['echo']);
    const ok = await call(keys.echoOnly, '/v1/mcp/execute', {
      method: 'POST',
      body: JSON.stringify({ server: 'fault', tool: 'echo', arguments: { text: 'allowed' } }),
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ text: 'allowed', is_error: false });
    const refused = await call(keys.echoOnly, '/v1/mcp/execute', {
      method: 'POST',
      body: JSON.stringify({ server: 'fault', tool: 'whoami', arguments: {} }),
    });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error: {
        code: 'mcp_tool_not_allowed',
        message: 'Refused: the tool mcp.fault.whoami is not allowed for this API key',
      },
    });
  });

  it('shows a key only its own recent calls in a server’s stats', async () => {
    await call(keys.all, '/v1/mcp/execute', {
      method: 'POST',
      body: JSON.stringify({ server: 'fault', tool: 'echo', arguments: { text: 'another key' } }),
    });
    const stats = (await (await call(keys.echoOnly, '/v1/mcp/servers/fault/stats')).json()) as {
      recent_calls: { key_id: string; cost: string }[];
    };
    expect(stats.recent_calls.length).toBeGreaterThan(0);
    expect(stats.recent_calls.every((recent) => recent.key_id === echoOnlyId)).toBe(true);
    expect(stats.recent_calls[0]?.cost).toBe('0.00');
  });

  it('hides every server from a key with an empty list', async () => {
    expect(await (await call(keys.none, '/v1/mcp/servers')).json()).toEqual({ servers: [], count: 0 });
    const resources = await call(keys.none, '/v1/mcp/servers/fault/resources');
    expect(resources.status).toBe(403);
    expect(await resources.json()).toMatchObject({
      error: { code: 'mcp_tool_not_allowed', message: 'The MCP server "fault" is not allowed for this API key' },
    });
  });
});

describe('the /mcp hub (MCP SDK client) for a restricted key', () => {
  async function connect(key: string): Promise<Client> {
    const client = new Client({ name: 'key-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    return client;
  }

  it('lists and calls only the key’s tools', async () => {
    const client = await connect(keys.echoOnly);
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['fault__echo']);
      const result = await client.callTool({ name: 'fault__echo', arguments: { text: 'via hub' } });
      expect(result.content).toEqual([{ type: 'text', text: 'via hub' }]);
      const refused = await client.callTool({ name: 'fault__whoami', arguments: {} });
      expect(refused).toMatchObject({
        isError: true,
        content: [{ type: 'text', text: 'No tool named fault__whoami is available here' }],
      });
    } finally {
      await client.close();
    }
  });

  it('shows a key with an empty list no tools, resources or prompts', async () => {
    const client = await connect(keys.none);
    try {
      expect((await client.listTools()).tools).toEqual([]);
      expect((await client.listResources()).resources).toEqual([]);
      expect((await client.listPrompts()).prompts).toEqual([]);
      await expect(client.readResource({ uri: 'mcp://fault/fault://notes' })).rejects.toThrow(
        /not allowed for this API key/,
      );
    } finally {
      await client.close();
    }
  });
});
