import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';

function load(yaml: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lg-mcp-config-'));
  writeFileSync(join(dir, 'llamagate.yaml'), yaml);
  return loadConfig({ cwd: dir, env, dotenvFile: false }).config.mcp;
}

describe('mcp configuration', () => {
  it('has LlamaGate defaults', () => {
    expect(load('')).toEqual({
      enabled: false,
      maxToolRounds: 10,
      maxToolCallsPerRound: 10,
      maxTotalToolCalls: 50,
      defaultToolTimeout: 30_000,
      maxToolResultSize: 1_048_576,
      allowTools: [],
      denyTools: [],
      healthCheckInterval: 60_000,
      resourceFetchTimeout: 30_000,
      exposeTools: 'all',
      toolProgress: false,
      servers: [],
    });
  });

  it('reads nested YAML keys, the servers list and ${VAR} secrets; environment variables win', () => {
    const mcp = load(
      [
        'mcp:',
        '  enabled: true',
        '  maxToolRounds: 3',
        '  defaultToolTimeout: 5s',
        '  denyTools: [fs.write_*]',
        '  servers:',
        '    - name: fs',
        '      command: npx',
        '      args: [-y, "@modelcontextprotocol/server-filesystem", /tmp]',
        '      env: { TOKEN: "${FS_TOKEN}" }',
        '    - name: remote',
        '      transport: http',
        '      url: https://mcp.example.com/mcp',
        '      headers: { Authorization: "Bearer ${REMOTE_TOKEN}" }',
        '      timeout: 10s',
      ].join('\n'),
      {
        FS_TOKEN: 'secret-1',
        REMOTE_TOKEN: 'secret-2',
        MCP_MAX_TOOL_ROUNDS: '4',
        MCP_ALLOW_TOOLS: 'fs.*, remote.search',
      },
    );
    expect(mcp).toMatchObject({ enabled: true, maxToolRounds: 4, defaultToolTimeout: 5000, denyTools: ['fs.write_*'] });
    expect(mcp.allowTools).toEqual(['fs.*', 'remote.search']);
    expect(mcp.servers).toEqual([
      {
        name: 'fs',
        transport: 'stdio',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp'],
        env: { TOKEN: 'secret-1' },
        headers: {},
        enabled: true,
        toolPrices: {},
      },
      {
        name: 'remote',
        transport: 'http',
        url: 'https://mcp.example.com/mcp',
        args: [],
        env: {},
        headers: { Authorization: 'Bearer secret-2' },
        timeout: 10_000,
        enabled: true,
        toolPrices: {},
      },
    ]);
  });

  it('accepts the Claude Desktop / Cursor mcpServers map at the top level and under mcp:', () => {
    const mcp = load(
      [
        'mcpServers:',
        '  memory: { command: node, args: [server.js], env: { A: "1" } }',
        '  docs: { url: "http://127.0.0.1:9000/sse", type: sse }',
        '  off: { command: x, disabled: true }',
        'mcp:',
        '  mcpServers:',
        '    web: { url: "http://127.0.0.1:9001/mcp", type: streamable-http }',
      ].join('\n'),
    );
    expect(mcp.servers.map((server) => [server.name, server.transport, server.enabled])).toEqual([
      ['memory', 'stdio', true],
      ['docs', 'sse', true],
      ['off', 'stdio', false],
      ['web', 'http', true],
    ]);
  });

  it('accepts servers as a map keyed by name', () => {
    expect(load('mcp: { servers: { fs: { command: node } } }').servers).toMatchObject([
      { name: 'fs', command: 'node' },
    ]);
    expect(load('mcp: { servers: {} }').servers).toEqual([]);
  });

  it('reads per-tool prices in dollars (micro-dollars inside), also from the mcpServers map', () => {
    expect(
      load('mcp: { servers: [{ name: s, command: x, toolPrices: { search: "0.01", "*": 0.001 } }] }').servers[0]
        ?.toolPrices,
    ).toEqual({
      search: 10_000,
      '*': 1_000,
    });
    expect(load('mcpServers: { s: { command: x, toolPrices: { search: "$0.5" } } }').servers[0]?.toolPrices).toEqual({
      search: 500_000,
    });
    expect(() => load('mcp: { servers: [{ name: s, command: x, toolPrices: { search: lots } }] }')).toThrow(
      /mcp\.servers\.0\.toolPrices\.search: mcp\.servers\[\]\.toolPrices takes dollar amounts/,
    );
    expect(() => load('mcp: { servers: [{ name: s, command: x, toolPrices: { search: "-1" } }] }')).toThrow(
      /must not be negative/,
    );
  });

  it('stops start-up with a message naming a bad setting', () => {
    expect(() => load('', { MCP_MAX_TOOL_ROUNDS: 'many' })).toThrow(/MCP_MAX_TOOL_ROUNDS \(mcp\.maxToolRounds\)/);
    expect(() => load('mcp: { servers: [{ name: a, transport: http }] }')).toThrow(
      /mcp\.servers\.0\.url: MCP server "a" \(http\) needs a url/,
    );
    expect(() => load('mcp: { servers: [{ name: a, command: x }, { name: a, command: y }] }')).toThrow(
      /the MCP server name "a" is used twice/,
    );
    expect(() => load('mcp: { servers: [{ name: "a.b", command: x }] }')).toThrow(/MCP server names use letters/);
    expect(() => load('mcp: { exposeTools: some }')).toThrow(/mcp\.exposeTools/);
  });
});
