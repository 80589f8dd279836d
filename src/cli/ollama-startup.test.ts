import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkOllamaAtStartup } from './ollama-startup.js';

/** A port nobody listens on (bound once, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A fake `ollama` on PATH: `ollama serve` answers /api/version on OLLAMA_HOST like Ollama. */
function fakeOllamaDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'lg-fake-ollama-'));
  const script = join(directory, 'ollama');
  writeFileSync(
    script,
    `#!${process.execPath}
const [host, port] = process.env.OLLAMA_HOST.split(':');
require('node:http').createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ version: 'fake', argv: process.argv.slice(2) }));
}).listen(Number(port), host);
`,
  );
  chmodSync(script, 0o755);
  return directory;
}

function capture() {
  const lines: { level: string; object: object; message: string }[] = [];
  return {
    lines,
    logger: {
      info: (object: object, message: string) => lines.push({ level: 'info', object, message }),
      warn: (object: object, message: string) => lines.push({ level: 'warn', object, message }),
    },
  };
}

let started: ChildProcess | undefined;
afterEach(() => {
  started?.kill('SIGKILL');
  started = undefined;
});

describe('starting without Ollama', () => {
  it('logs one clear line saying Ollama is unreachable and what to do', async () => {
    const port = await freePort();
    const { lines, logger } = capture();
    const result = await checkOllamaAtStartup({ ollamaHost: `127.0.0.1:${port}`, env: { PATH: '' }, logger });
    expect(result.reachable).toBe(false);
    expect(lines).toEqual([
      {
        level: 'warn',
        object: { ollama_host: `http://127.0.0.1:${port}` },
        message: `Ollama unreachable at http://127.0.0.1:${port}: start it with \`ollama serve\` (or set OLLAMA_AUTOSTART=true), or point OLLAMA_HOST at a running Ollama`,
      },
    ]);
  });

  it('OLLAMA_AUTOSTART=true starts `ollama serve` from PATH when the host is local, and waits for it', async () => {
    const port = await freePort();
    const { lines, logger } = capture();
    const result = await checkOllamaAtStartup({
      ollamaHost: `http://127.0.0.1:${port}`,
      env: { PATH: fakeOllamaDirectory(), OLLAMA_AUTOSTART: 'true' },
      logger,
    });
    started = result.started;
    expect(result.reachable).toBe(true);
    expect(lines.map((line) => line.message)).toEqual(['Ollama unreachable: started `ollama serve`']);
    const answer = await (await fetch(`http://127.0.0.1:${port}/api/version`)).json();
    expect(answer).toEqual({ version: 'fake', argv: ['serve'] });
  });

  it('never starts anything for a remote host or without the binary', async () => {
    const { lines, logger } = capture();
    const remote = await checkOllamaAtStartup({
      ollamaHost: 'http://192.0.2.1:11434',
      env: { PATH: fakeOllamaDirectory(), OLLAMA_AUTOSTART: 'true' },
      logger,
    });
    expect(remote.started).toBeUndefined();
    const port = await freePort();
    const missing = await checkOllamaAtStartup({
      ollamaHost: `127.0.0.1:${port}`,
      env: { PATH: mkdtempSync(join(tmpdir(), 'lg-empty-')), OLLAMA_AUTOSTART: 'true' },
      logger,
    });
    expect(missing.started).toBeUndefined();
    expect(lines.map((line) => line.message.replace(/at \S+:/, 'at HOST:'))).toEqual([
      'Ollama unreachable at HOST: OLLAMA_AUTOSTART only starts a local Ollama; start it on that host or fix OLLAMA_HOST',
      'Ollama unreachable at HOST: OLLAMA_AUTOSTART is set but `ollama` is not on PATH: install it from https://ollama.com/download',
    ]);
  });
});
