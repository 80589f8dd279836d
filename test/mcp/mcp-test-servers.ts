/** Real MCP servers for tests: the npm reference servers and the fault server, started with this Node binary. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { McpServerConfig } from '../../src/config/mcp-schema.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const packages = join(root, 'node_modules', '@modelcontextprotocol');
export const FAULT_SERVER = join(root, 'test', 'mcp', 'fault-server.mjs');

function stdio(name: string, args: string[], extra: Partial<McpServerConfig> = {}): McpServerConfig {
  return {
    name,
    transport: 'stdio',
    command: process.execPath,
    args,
    env: {},
    headers: {},
    enabled: true,
    toolPrices: {},
    ...extra,
  };
}

export const everythingStdio = (name = 'everything') =>
  stdio(name, [join(packages, 'server-everything', 'dist', 'index.js'), 'stdio']);
export const filesystemServer = (directory: string, name = 'filesystem') =>
  stdio(name, [join(packages, 'server-filesystem', 'dist', 'index.js'), directory]);
export const memoryServer = (file: string, name = 'memory') =>
  stdio(name, [join(packages, 'server-memory', 'dist', 'index.js')], { env: { MEMORY_FILE_PATH: file } });
export const faultStdio = (name = 'fault', mode: 'stdio' | 'never-start' = 'stdio') =>
  stdio(name, [FAULT_SERVER, mode], { cwd: root });

export function httpServer(name: string, url: string, transport: 'http' | 'sse' = 'http'): McpServerConfig {
  return { name, transport, url, args: [], env: {}, headers: {}, enabled: true, toolPrices: {} };
}

export interface RunningHttpServer {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const match = pattern.exec(text);
      if (match !== null) {
        child.stdout?.off('data', onData);
        child.stderr?.off('data', onData);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before it listened: ${text}`)));
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

/** The fault server over Streamable HTTP on 127.0.0.1 (it serves both protocol eras). */
export async function startFaultHttp(): Promise<RunningHttpServer> {
  const child = spawn(process.execPath, [FAULT_SERVER, 'http'], { cwd: root, stdio: 'pipe' });
  const match = await waitForLine(child, /listening (\d+)/);
  return { url: `http://127.0.0.1:${match[1]}/mcp`, child, stop: stopper(child) };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** server-everything over Streamable HTTP (`/mcp`) or legacy SSE (`/sse`); it reads its port from PORT. */
export async function startEverythingHttp(transport: 'streamableHttp' | 'sse'): Promise<RunningHttpServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(packages, 'server-everything', 'dist', 'index.js'), transport], {
    env: { ...process.env, PORT: String(port) },
    stdio: 'pipe',
  });
  await waitForLine(child, /listening on port|is running on port/i);
  const path = transport === 'sse' ? '/sse' : '/mcp';
  return { url: `http://127.0.0.1:${port}${path}`, child, stop: stopper(child) };
}
