/**
 * MCP tool calls in the usage API and billed to keys (SQLite ledger, the fault server over stdio with
 * `toolPrices`): a tool-loop run records each call (name, duration, outcome, bytes) and charges the key each
 * successful call's price, streamed or not; `/v1/mcp/execute` and the `/mcp` hub are charged the same way; a
 * failed call is never charged and a key that cannot pay gets a 402 before the tool runs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultStdio } from '../mcp/mcp-test-servers.js';
import { startToolCallingUpstream, type ToolCallingUpstream } from '../mcp/tool-calling-upstream.js';
import {
  type BillingGateway,
  MASTER_KEY,
  startBillingGateway,
  waitFor,
  writeGatewayConfig,
} from './billing-harness.js';

let upstream: ToolCallingUpstream;
let gateway: BillingGateway;

interface ToolCallView {
  request_id: string;
  key_id: string;
  server: string;
  tool: string;
  source: string;
  duration_ms: number;
  outcome: string;
  bytes: number;
  cost: string;
}

beforeAll(async () => {
  upstream = await startToolCallingUpstream();
  const fault = faultStdio();
  const mcp = [
    'mcp:',
    '  enabled: true',
    '  servers:',
    `    - name: fault`,
    `      command: ${JSON.stringify(fault.command)}`,
    `      args: ${JSON.stringify(fault.args)}`,
    `      cwd: ${JSON.stringify(fault.cwd)}`,
    '      toolPrices: { echo: "0.01", "f*": "0.05" }',
    '',
  ].join('\n');
  gateway = await startBillingGateway({
    env: { LLAMAGATE_DATA_DIR: mkdtempSync(join(tmpdir(), 'lg-mcp-billing-')), CACHE_ENABLED: 'false' },
    configFile: writeGatewayConfig(upstream.url, mcp),
  });
  await gateway.mcpServersConnected();
}, 60_000);

afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
});

async function toolCalls(keyId: string): Promise<ToolCallView[]> {
  await gateway.flush();
  const listed = await gateway.admin<{ data: ToolCallView[] }>('GET', `/admin/usage/tool-calls?key_id=${keyId}`);
  return [...listed.body.data].reverse();
}

async function balance(key: string): Promise<string> {
  const response = await fetch(`${gateway.url}/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
  return ((await response.json()) as { balance: string }).balance;
}

const threeCalls = [
  {
    calls: [
      { name: 'mcp__fault__echo', arguments: { text: 'one' } },
      { name: 'mcp__fault__echo', arguments: { text: 'two' } },
      { name: 'mcp__fault__fail', arguments: {} },
    ],
  },
  { text: 'Done.' },
];

describe('a tool-loop run on a billed key', () => {
  it('records every call with name, duration and outcome, and charges the successful ones (non-streaming)', async () => {
    const { key, id } = await gateway.createKey({ name: 'loop', credits: 10 });
    upstream.script(threeCalls);
    const { data, response } = await gateway
      .client(key)
      .chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'go' }] })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe('Done.');
    // Two model rounds at $0.0025 each, two echo calls at $0.01; the failed call costs nothing.
    expect(response.headers.get('x-llamagate-cost')).toBe('0.025000');
    expect(await balance(key)).toBe('9.975');
    const calls = await toolCalls(id);
    // The round's calls run in parallel: compare them in a fixed order.
    expect(calls.map((call) => [call.server, call.tool, call.source, call.outcome, call.cost]).sort()).toEqual([
      ['fault', 'echo', 'chat', 'ok', '0.01'],
      ['fault', 'echo', 'chat', 'ok', '0.01'],
      ['fault', 'fail', 'chat', 'tool_error', '0.00'],
    ]);
    for (const call of calls) {
      expect(call.request_id).toBe(response.headers.get('x-request-id'));
      expect(call.key_id).toBe(id);
      expect(Number.isInteger(call.duration_ms) && call.duration_ms >= 0).toBe(true);
    }
    expect(calls.map((call) => call.bytes).sort((a, b) => a - b)).toEqual([3, 3, 19]);
    const history = await gateway.admin<{ data: { reason: string; amount: string }[] }>(
      'GET',
      `/admin/keys/${id}/credits`,
    );
    expect(history.body.data.map((entry) => [entry.reason, entry.amount]).sort()).toEqual(
      [
        ['initial credits', '10.00'],
        ['mcp.fault.echo', '-0.01'],
        ['mcp.fault.echo', '-0.01'],
        ['mock-1', '-0.005'],
      ].sort(),
    );
    const usage = (await (
      await fetch(`${gateway.url}/v1/usage`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as Record<string, unknown>;
    const admin = await gateway.admin<Record<string, unknown>>('GET', `/admin/usage/tools?key_id=${id}`);
    expect(admin.body).toEqual({ object: 'tool_usage', ...(usage.tool_calls as object) });
    const echoOnly = await gateway.admin<{ by_tool: { tool: string }[] }>(
      'GET',
      `/admin/usage/tools?key_id=${id}&tool=echo`,
    );
    expect(echoOnly.body.by_tool.map((row) => row.tool)).toEqual(['echo']);
    expect(usage.tool_calls).toEqual({
      total: { calls: 3, errors: 1, cost: '0.02', duration_ms: expect.any(Number), bytes: 25 },
      by_tool: [
        { server: 'fault', tool: 'echo', calls: 2, errors: 0, cost: '0.02', duration_ms: expect.any(Number), bytes: 6 },
        {
          server: 'fault',
          tool: 'fail',
          calls: 1,
          errors: 1,
          cost: '0.00',
          duration_ms: expect.any(Number),
          bytes: 19,
        },
      ],
    });
  });

  it('charges the same for a streamed run', async () => {
    const { key, id } = await gateway.createKey({ name: 'loop-stream', credits: 10 });
    upstream.script(threeCalls);
    const stream = await gateway
      .client(key)
      .chat.completions.create({ model: 'mock-1', messages: [{ role: 'user', content: 'go' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('Done.');
    await waitFor(async () => ((await toolCalls(id)).length === 3 ? true : undefined));
    expect(await waitFor(async () => ((await balance(key)) === '9.975' ? '9.975' : undefined))).toBe('9.975');
  });

  it('shows the whole gateway’s tool calls to the master key', async () => {
    const usage = (await (
      await fetch(`${gateway.url}/v1/usage`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })
    ).json()) as { tool_calls: { total: { calls: number } } };
    expect(usage.tool_calls.total.calls).toBeGreaterThanOrEqual(6);
  });
});

describe('direct execution and the hub on a billed key', () => {
  const execute = (key: string, tool: string, args: Record<string, unknown> = {}) =>
    fetch(`${gateway.url}/v1/mcp/execute`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ server: 'fault', tool, arguments: args }),
    });

  it('charges /v1/mcp/execute per successful call, never a failed one, and refuses a key that cannot pay', async () => {
    const { key, id } = await gateway.createKey({ name: 'direct', credits: '0.015' });
    expect((await execute(key, 'echo', { text: 'paid' })).status).toBe(200);
    expect(await balance(key)).toBe('0.005');
    const failed = await execute(key, 'fail');
    expect(failed.status).toBe(402);
    const refused = await execute(key, 'echo', { text: 'unpaid' });
    expect(refused.status).toBe(402);
    expect(await refused.json()).toMatchObject({ error: { code: 'insufficient_quota' } });
    expect(await balance(key)).toBe('0.005');
    expect((await toolCalls(id)).map((call) => [call.tool, call.outcome, call.cost])).toEqual([
      ['echo', 'ok', '0.01'],
      ['fail', 'denied', '0.00'],
      ['echo', 'denied', '0.00'],
    ]);
    const { key: richer } = await gateway.createKey({ name: 'direct-fail', credits: 1 });
    const toolError = await execute(richer, 'fail');
    expect(await toolError.json()).toMatchObject({ is_error: true });
    expect(await balance(richer)).toBe('1.00');
  });

  it('charges the /mcp hub’s tool calls (MCP SDK client)', async () => {
    const { key, id } = await gateway.createKey({ name: 'hub', credits: 1 });
    const client = new Client({ name: 'billing-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    try {
      const result = await client.callTool({ name: 'fault__echo', arguments: { text: 'hub' } });
      expect(result.content).toEqual([{ type: 'text', text: 'hub' }]);
    } finally {
      await client.close();
    }
    expect(await balance(key)).toBe('0.99');
    expect((await toolCalls(id)).map((call) => [call.tool, call.source, call.cost])).toEqual([['echo', 'hub', '0.01']]);
  });
});
