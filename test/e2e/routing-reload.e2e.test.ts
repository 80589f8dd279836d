/**
 * Configuration reload: `POST /admin/reload`, `llamagate reload` (HTTP and pid file), and SIGHUP on a real
 * `llamagate serve` process. A bad file is rejected with its reason and the old configuration keeps serving;
 * requests in flight finish on the configuration they started with.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { reloadCommand } from '../../src/cli/reload-command.js';
import { type Harness, startGateway } from './gateway-harness.js';
import { backendYaml, startUpstream, type Upstream, writeConfig } from './routing-upstreams.js';

let a: Upstream;
let b: Upstream;
let gateway: Harness | undefined;

beforeAll(async () => {
  [a, b] = await Promise.all([startUpstream('a'), startUpstream('b')]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});
beforeEach(() => {
  a.behave({});
  b.behave({});
});
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

const config = (defaultBackend: string) =>
  `cache: { enabled: false }\ndefaultBackend: ${defaultBackend}\nbackends:\n${backendYaml(a)}\n${backendYaml(b)}\n`;

async function served(url: string, key?: string): Promise<string | null> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  });
  return response.headers.get('x-llamagate-backend');
}

const reload = (harness: Harness, key = 'master') =>
  fetch(`${harness.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });

describe('POST /admin/reload', () => {
  it('swaps in a good file, and rejects a bad one with the reason while the old configuration keeps serving', async () => {
    const file = writeConfig(config('a'));
    const harness = await startGateway({ configFile: file, env: { LLAMAGATE_MASTER_KEY: 'master' } });
    gateway = harness;
    expect(await served(harness.url)).toBe('a');

    expect((await reload(harness, 'wrong')).status).toBe(401);

    writeConfig('backends: [unclosed\n', file);
    const broken = await reload(harness);
    expect(broken.status).toBe(422);
    expect(((await broken.json()) as { error: { message: string } }).error.message).toMatch(
      /previous configuration stays.*not valid YAML/s,
    );
    expect(await served(harness.url)).toBe('a');

    writeConfig(`${config('a')}  - { name: p, type: pool, backends: [a, ghost] }\n`, file);
    const dangling = await reload(harness);
    expect(dangling.status).toBe(422);
    expect(((await dangling.json()) as { error: { message: string } }).error.message).toMatch(
      /"ghost" is not a backend/,
    );
    expect(await served(harness.url)).toBe('a');

    writeConfig(config('b'), file);
    const good = await reload(harness);
    expect(good.status).toBe(200);
    expect(await good.json()).toMatchObject({
      status: 'reloaded',
      configFile: file,
      backends: ['a', 'b', 'ollama'],
      restartRequired: [],
    });
    expect(await served(harness.url)).toBe('b');
  });

  it('names the changed settings that apply only after a restart, without their values', async () => {
    const file = writeConfig(config('a'));
    const harness = await startGateway({ configFile: file, env: { LLAMAGATE_MASTER_KEY: 'master' } });
    gateway = harness;
    writeConfig(
      `${config('b')}billing: { leaseTtl: 7s, keyHashSecret: pepper-not-to-log }\nobservability: { logBodies: all }\n`,
      file,
    );
    const reloaded = await reload(harness);
    expect(reloaded.status).toBe(200);
    expect(await reloaded.json()).toMatchObject({
      status: 'reloaded',
      restartRequired: ['billing.leaseTtl', 'billing.keyHashSecret', 'observability'],
    });
    // What can change at once did: the new default backend serves.
    expect(await served(harness.url)).toBe('b');
    const warning = harness.logs.find((line) => line.msg === 'these changed settings apply only after a restart');
    expect(warning).toMatchObject({ settings: ['billing.leaseTtl', 'billing.keyHashSecret', 'observability'] });
    expect(JSON.stringify(harness.logs)).not.toContain('pepper-not-to-log');
  });

  it('lets a request in flight finish on the configuration it started with', async () => {
    const file = writeConfig(config('a'));
    const harness = await startGateway({ configFile: file, env: { LLAMAGATE_MASTER_KEY: 'master' } });
    gateway = harness;
    let release!: () => void;
    a.behave({ gate: new Promise<void>((resolve) => (release = resolve)) });
    const inFlight = served(harness.url);
    await vi.waitFor(() => expect(a.calls()).toHaveLength(1));
    writeConfig(config('b'), file);
    expect((await reload(harness)).status).toBe(200);
    expect(await served(harness.url)).toBe('b');
    release();
    expect(await inFlight).toBe('a');
  });
});

describe('llamagate reload', () => {
  it('calls the admin endpoint with the master key and reports the outcome', async () => {
    const file = writeConfig(config('a'));
    const harness = await startGateway({ configFile: file, env: { API_KEY: 'shared-key' } });
    gateway = harness;
    const out: string[] = [];
    const err: string[] = [];
    const run = () =>
      reloadCommand({
        url: harness.url,
        env: { API_KEY: 'shared-key' },
        cwd: mkdtempSync(join(tmpdir(), 'lg-cli-')),
        write: (text) => out.push(text),
        writeError: (text) => err.push(text),
      });
    writeConfig('defaultBackend: nowhere\n', file);
    expect(await run()).toBe(1);
    expect(err.join('')).toMatch(/reload failed \(422\).*default backend "nowhere" is not configured/);
    writeConfig(config('b'), file);
    expect(await run()).toBe(0);
    expect(out.join('')).toMatch(/Configuration reloaded from .*llamagate\.yaml; backends: a, b, ollama/);
    expect(await served(harness.url, 'shared-key')).toBe('b');
  });

  it('says so when the gateway cannot be reached', async () => {
    const err: string[] = [];
    const code = await reloadCommand({ url: 'http://127.0.0.1:9', env: {}, writeError: (text) => err.push(text) });
    expect(code).toBe(1);
    expect(err.join('')).toMatch(/cannot reach the gateway at http:\/\/127\.0\.0\.1:9/);
  });
});

describe('llamagate serve: SIGHUP and reload --pid-file', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
  });

  it('reloads on SIGHUP, keeps the old configuration on a bad file, and removes its pid file on exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-serve-'));
    const file = writeConfig(config('a'), join(dir, 'llamagate.yaml'));
    const pidFile = join(dir, 'llamagate.pid');
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const main = join(root, 'src/cli/main.ts');
    const lines: Record<string, unknown>[] = [];
    child = spawn(
      process.execPath,
      ['--import', 'tsx', main, 'serve', '-c', file, '--port', '0', '--host', '127.0.0.1', '--pid-file', pidFile],
      // The repository root as cwd, so `--import tsx` resolves.
      {
        cwd: root,
        env: { PATH: process.env.PATH, RATE_LIMIT_RPS: '1000', LLAMAGATE_DATA_DIR: join(dir, 'data') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let buffered = '';
    child.stdout?.on('data', (data: Buffer) => {
      buffered += data.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
    });
    const logged = (message: string) => lines.find((line) => line.msg === message);
    await vi.waitFor(() => expect(logged('LlamaGate listening')).toBeDefined(), { timeout: 30_000, interval: 50 });
    const url = `http://127.0.0.1:${logged('LlamaGate listening')?.port}`;
    expect(existsSync(pidFile)).toBe(true);
    expect(await served(url)).toBe('a');

    writeConfig('routes: [{ path: /v1/chat/completions, backend: ghost }]\n', file);
    child.kill('SIGHUP');
    await vi.waitFor(
      () => expect(logged('configuration reload rejected; the previous configuration stays in force')).toBeDefined(),
      { timeout: 10_000, interval: 50 },
    );
    expect(String(logged('configuration reload rejected; the previous configuration stays in force')?.reason)).toMatch(
      /"ghost" is not a backend/,
    );
    expect(await served(url)).toBe('a');

    writeConfig(config('b'), file);
    expect(await reloadCommand({ pidFile, write: () => {} })).toBe(0);
    await vi.waitFor(() => expect(logged('configuration reloaded')).toBeDefined(), { timeout: 10_000, interval: 50 });
    expect(await served(url)).toBe('b');

    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
  }, 90_000);
});
