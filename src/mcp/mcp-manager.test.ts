import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  everythingStdio,
  faultStdio,
  filesystemServer,
  httpServer,
  memoryServer,
  type RunningHttpServer,
  startEverythingHttp,
  startFaultHttp,
} from '../../test/mcp/mcp-test-servers.js';
import { type McpConfig, mcpSchema } from '../config/mcp-schema.js';
import { McpError } from '../spec/errors.js';
import { McpManager } from './mcp-manager.js';

function config(servers: unknown[], extra: Record<string, unknown> = {}): McpConfig {
  return mcpSchema.parse({ enabled: true, servers, ...extra });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('McpManager with real servers over stdio', () => {
  const directory = mkdtempSync(join(tmpdir(), 'llamagate-mcp-'));
  let manager: McpManager;

  beforeAll(async () => {
    manager = new McpManager(
      config(
        [
          everythingStdio(),
          filesystemServer(directory),
          memoryServer(join(directory, 'memory.jsonl')),
          faultStdio(),
          faultStdio('broken', 'never-start'),
        ],
        { defaultToolTimeout: '2s', maxToolResultSize: 1000, denyTools: 'fault.crash-not-real everything.toggle-*' },
      ),
      { reconnectBaseMs: 100, reconnectMaxMs: 200 },
    );
    manager.start();
    await manager.waitReady(40_000);
  }, 60_000);

  afterAll(async () => {
    await manager.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('lists tools, resources and prompts; a server that never starts is unhealthy and the rest work', () => {
    const everything = manager.requireServer('everything');
    expect(everything.status).toBe('connected');
    expect(everything.tools.map((tool) => tool.name)).toContain('get-sum');
    expect(everything.resources.length).toBeGreaterThan(0);
    expect(everything.prompts.map((prompt) => prompt.name)).toContain('simple-prompt');
    expect(everything.health().protocol_version).toBe('2025-11-25');
    const broken = manager.requireServer('broken').health();
    expect(broken.healthy).toBe(false);
    expect(broken.last_error).toContain('never-start');
    const offered = manager.allowedTools().map((entry) => entry.qualifiedName);
    expect(offered).toContain('mcp.everything.get-sum');
    expect(offered).not.toContain('mcp.everything.toggle-simulated-logging');
    expect(offered.some((name) => name.startsWith('mcp.broken.'))).toBe(false);
  });

  it('negotiates the 2026-07-28 protocol with a 2.x server over stdio', () => {
    expect(manager.requireServer('fault').health().protocol_version).toBe('2026-07-28');
  });

  it('runs tools on server-everything, server-filesystem and server-memory', async () => {
    const sum = await manager.execute('everything', 'get-sum', { a: 2, b: 3 });
    expect(sum.text).toBe('The sum of 2 and 3 is 5.');
    await manager.execute('filesystem', 'write_file', { path: join(directory, 'note.txt'), content: 'hello disk' });
    expect(readFileSync(join(directory, 'note.txt'), 'utf8')).toBe('hello disk');
    const read = await manager.execute('filesystem', 'read_text_file', { path: join(directory, 'note.txt') });
    expect(read.text).toBe('hello disk');
    await manager.execute('memory', 'create_entities', {
      entities: [{ name: 'Ada', entityType: 'person', observations: ['wrote the first program'] }],
    });
    const graph = await manager.execute('memory', 'read_graph', {});
    expect(graph.text).toContain('wrote the first program');
  });

  it('sends the request id in _meta', async () => {
    const who = await manager.execute('fault', 'whoami', {}, { requestId: 'req-123' });
    expect(JSON.parse(who.text)).toEqual({ meta: 'req-123', header: null });
  });

  it('passes isError results back, caps huge results with a marker, times out slow tools', async () => {
    const failed = await manager.execute('fault', 'fail', {});
    expect(failed).toMatchObject({ isError: true, text: 'the disk is on fire' });
    const huge = await manager.execute('fault', 'huge', { bytes: 10_000 });
    expect(huge.truncated).toBe(true);
    expect(Buffer.byteLength(huge.text)).toBeLessThanOrEqual(1000);
    expect(huge.text).toMatch(
      /\[truncated by LlamaGate: the result was 10000 bytes; the limit is 1000 \(MCP_MAX_TOOL_RESULT_SIZE\)\]$/,
    );
    const slow = manager.execute('fault', 'slow', { ms: 5000 }, { timeoutMs: 300 });
    await expect(slow).rejects.toMatchObject({ code: 'mcp_tool_timeout', status: 504 });
  });

  it('refuses denied and unknown tools with a typed error and records them', async () => {
    const denied = manager.execute('everything', 'toggle-simulated-logging', {}, { keyId: 'key-1' });
    await expect(denied).rejects.toSatisfy((error) => McpError.isInstance(error) && error.status === 403);
    await expect(manager.execute('everything', 'nope', {})).rejects.toMatchObject({ code: 'mcp_tool_not_found' });
    await expect(manager.execute('ghost', 'x', {})).rejects.toMatchObject({ code: 'mcp_server_not_found' });
    const record = manager.records().find((entry) => entry.tool === 'toggle-simulated-logging');
    expect(record).toMatchObject({ key_id: 'key-1', server: 'everything', outcome: 'denied', bytes: 0 });
    expect(manager.allowedTools(['everything.get-*']).map((entry) => entry.qualifiedName)).toEqual([
      'mcp.everything.get-annotated-message',
      'mcp.everything.get-env',
      'mcp.everything.get-resource-links',
      'mcp.everything.get-resource-reference',
      'mcp.everything.get-structured-content',
      'mcp.everything.get-sum',
      'mcp.everything.get-tiny-image',
    ]);
  });

  it('refreshes the tool list on list_changed', { timeout: 60_000 }, async () => {
    const before = manager.version;
    await manager.execute('fault', 'add-tool', {});
    await until(() => manager.requireServer('fault').tools.some((tool) => tool.name === 'added-1'));
    expect(manager.version).toBeGreaterThan(before);
    expect(manager.allowedTools().map((entry) => entry.qualifiedName)).toContain('mcp.fault.added-1');
  });

  it('reconnects in the background after a crash mid-call', { timeout: 60_000 }, async () => {
    const fault = manager.requireServer('fault');
    const pid = fault.pid;
    await expect(manager.execute('fault', 'crash', {})).rejects.toMatchObject({ code: 'mcp_server_unavailable' });
    await until(() => fault.status === 'connected' && fault.pid !== pid);
    expect((await manager.execute('fault', 'echo', { text: 'back' })).text).toBe('back');
  });
});

describe('McpManager over HTTP', () => {
  let everythingHttp: RunningHttpServer;
  let everythingSse: RunningHttpServer;
  let faultHttp: RunningHttpServer;
  let manager: McpManager;

  beforeAll(async () => {
    [everythingHttp, everythingSse, faultHttp] = await Promise.all([
      startEverythingHttp('streamableHttp'),
      startEverythingHttp('sse'),
      startFaultHttp(),
    ]);
    manager = new McpManager(
      config([
        httpServer('everything', everythingHttp.url),
        httpServer('legacy', everythingSse.url, 'sse'),
        httpServer('fault', faultHttp.url),
      ]),
    );
    manager.start();
    await manager.waitReady(30_000);
  }, 60_000);

  afterAll(async () => {
    await manager.close();
    await Promise.all([everythingHttp.stop(), everythingSse.stop(), faultHttp.stop()]);
  });

  it('speaks Streamable HTTP in both protocol eras and legacy SSE', async () => {
    expect(manager.requireServer('everything').health()).toMatchObject({
      healthy: true,
      protocol_version: '2025-11-25',
    });
    expect(manager.requireServer('fault').health()).toMatchObject({ healthy: true, protocol_version: '2026-07-28' });
    expect(manager.requireServer('legacy').health()).toMatchObject({ healthy: true });
    expect((await manager.execute('everything', 'get-sum', { a: 1, b: 1 })).text).toBe('The sum of 1 and 1 is 2.');
    expect((await manager.execute('legacy', 'echo', { message: 'sse' })).text).toBe('Echo: sse');
  });

  it('sends the request id as an HTTP header and in _meta', async () => {
    const who = await manager.execute('fault', 'whoami', {}, { requestId: 'req-http-7' });
    expect(JSON.parse(who.text)).toEqual({ meta: 'req-http-7', header: 'req-http-7' });
  });
});

describe('McpManager reload and shutdown', () => {
  it('restarts a changed server without dropping the call in flight, and closes child processes', async () => {
    const manager = new McpManager(config([faultStdio(), everythingStdio()]));
    manager.start();
    await manager.waitReady(30_000);
    const oldPid = manager.requireServer('fault').pid;
    expect(oldPid).toBeGreaterThan(0);
    const inFlight = manager.execute('fault', 'slow', { ms: 800 });
    const changed = { ...faultStdio(), env: { CHANGED: '1' } };
    const reloading = manager.reload(config([changed, faultStdio('second')]));
    await expect(inFlight).resolves.toMatchObject({ text: 'slept 800ms' });
    expect(await reloading).toEqual({ added: ['second'], removed: ['everything'], restarted: ['fault'] });
    await manager.waitReady(30_000);
    const fault = manager.requireServer('fault');
    expect(fault.pid).not.toBe(oldPid);
    expect(isAlive(oldPid ?? 0)).toBe(false);
    const pids = manager.servers().map((server) => server.pid ?? 0);
    await manager.close();
    await until(() => pids.every((pid) => !isAlive(pid)), 5000);
  }, 60_000);
});

describe('McpManager tool prices', () => {
  it('prices a tool by its exact name, else the first matching glob in order, else nothing', () => {
    const manager = new McpManager(
      config([
        {
          name: 'search',
          command: 'unused',
          toolPrices: { deep_search: '0.05', 'deep_*': '0.02', 'd*': '0.03', '*': '0.001' },
        },
      ]),
    );
    expect(manager.toolPrice('search', 'deep_search')).toBe(50_000);
    expect(manager.toolPrice('search', 'deep_dive')).toBe(20_000);
    expect(manager.toolPrice('search', 'dig')).toBe(30_000);
    expect(manager.toolPrice('search', 'other')).toBe(1_000);
    expect(manager.toolPrice('search', 'constructor')).toBe(1_000);
    expect(manager.toolPrice('elsewhere', 'deep_search')).toBe(0);
  });
});
