/** The gateway's `/mcp` hub driven by the official MCP SDK client, in both protocol eras, with gateway keys. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultStdio } from '../mcp/mcp-test-servers.js';
import { type Harness, startGateway } from './gateway-harness.js';

let gateway: Harness;

async function connect(mode: 'legacy' | 'auto', token = 'gateway-secret'): Promise<Client> {
  const client = new Client({ name: 'hub-test', version: '1.0.0' }, { versionNegotiation: { mode } });
  const transport = new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

beforeAll(async () => {
  const directory = mkdtempSync(join(tmpdir(), 'lg-mcp-hub-'));
  const file = join(directory, 'llamagate.yaml');
  const fault = faultStdio();
  writeFileSync(
    file,
    [
      'mcp:',
      '  enabled: true',
      '  denyTools: [fault.crash]',
      '  servers:',
      `    - { name: fault, command: ${JSON.stringify(fault.command)}, args: ${JSON.stringify(fault.args)}, cwd: ${JSON.stringify(fault.cwd)} }`,
    ].join('\n'),
  );
  gateway = await startGateway({ env: { API_KEY: 'gateway-secret' }, configFile: file });
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    const response = await fetch(`${gateway.url}/v1/mcp/servers`, {
      headers: { authorization: 'Bearer gateway-secret' },
    });
    const body = (await response.json()) as { servers: { health: { healthy: boolean } }[] };
    if (body.servers.every((server) => server.health.healthy)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}, 60_000);

afterAll(async () => {
  await gateway?.close();
});

describe.each(['legacy', 'auto'] as const)('the /mcp hub (%s negotiation)', (mode) => {
  it('aggregates tools (deny applied), runs them and records the call', async () => {
    const client = await connect(mode);
    try {
      expect(client.getNegotiatedProtocolVersion()).toBe(mode === 'auto' ? '2026-07-28' : '2025-11-25');
      const tools = (await client.listTools()).tools.map((tool) => tool.name);
      expect(tools).toContain('fault__echo');
      expect(tools).not.toContain('fault__crash');
      const result = await client.callTool({ name: 'fault__echo', arguments: { text: `via hub ${mode}` } });
      expect(result.content).toEqual([{ type: 'text', text: `via hub ${mode}` }]);
      const denied = await client.callTool({ name: 'fault__crash', arguments: {} });
      expect(denied).toMatchObject({
        isError: true,
        content: [{ type: 'text', text: 'No tool named fault__crash is available here' }],
      });
      const stats = (await (
        await fetch(`${gateway.url}/v1/mcp/servers/fault/stats`, {
          headers: { authorization: 'Bearer gateway-secret' },
        })
      ).json()) as { recent_calls: { source: string; tool: string }[] };
      expect(stats.recent_calls[0]).toMatchObject({ source: 'hub', tool: 'echo' });
    } finally {
      await client.close();
    }
  });

  it('aggregates resources and prompts under namespaced names', async () => {
    const client = await connect(mode);
    try {
      const resources = (await client.listResources()).resources.map((resource) => resource.uri);
      expect(resources).toContain('mcp://fault/fault://notes');
      const read = await client.readResource({ uri: 'mcp://fault/fault://notes' });
      expect(read.contents).toEqual([{ uri: 'mcp://fault/fault://notes', text: 'The secret word is pineapple.' }]);
      expect((await client.listPrompts()).prompts.map((prompt) => prompt.name)).toContain('fault__greet');
      const prompt = await client.getPrompt({ name: 'fault__greet', arguments: { name: 'Ada' } });
      expect(prompt.messages).toEqual([{ role: 'user', content: { type: 'text', text: 'Say hello to Ada' } }]);
    } finally {
      await client.close();
    }
  });
});

describe('the /mcp hub without a gateway key', () => {
  it('refuses the connection (401, invalid_api_key)', async () => {
    const client = new Client({ name: 'hub-test', version: '1.0.0' });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(`${gateway.url}/mcp`)))).rejects.toThrow(
      /Missing API key.*invalid_api_key/,
    );
  });
});
