import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface StartupLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface OllamaStartupOptions {
  /** OLLAMA_HOST as configured (a URL or host[:port]). */
  ollamaHost: string;
  env: Readonly<Record<string, string | undefined>>;
  logger: StartupLogger;
  /** How long to wait for a started `ollama serve` to answer (default 15 s). */
  startTimeoutMs?: number;
}

export interface OllamaStartupResult {
  reachable: boolean;
  /** The `ollama serve` process this call started, if it started one. */
  started?: ChildProcess;
}

function baseUrl(host: string): URL {
  const trimmed = host.trim();
  const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`);
  if (url.port === '' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) url.port = '11434';
  return url;
}

async function reachable(url: URL, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(new URL('/api/version', url), { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

function isLocal(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0'].includes(url.hostname);
}

function onPath(binary: string, path: string | undefined): string | undefined {
  for (const directory of (path ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, binary);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/**
 * Checks at start-up that Ollama answers. When it does not: with `OLLAMA_AUTOSTART=true`, a local OLLAMA_HOST
 * and `ollama` on PATH, starts `ollama serve` and waits for it; otherwise logs one line saying what to do.
 */
export async function checkOllamaAtStartup(options: OllamaStartupOptions): Promise<OllamaStartupResult> {
  const url = baseUrl(options.ollamaHost);
  if (await reachable(url, 2_000)) return { reachable: true };
  const autostart = ['true', '1', 'yes', 'on'].includes((options.env.OLLAMA_AUTOSTART ?? '').trim().toLowerCase());
  const binary = autostart && isLocal(url) ? onPath('ollama', options.env.PATH) : undefined;
  if (binary === undefined) {
    const why = !autostart
      ? 'start it with `ollama serve` (or set OLLAMA_AUTOSTART=true), or point OLLAMA_HOST at a running Ollama'
      : !isLocal(url)
        ? 'OLLAMA_AUTOSTART only starts a local Ollama; start it on that host or fix OLLAMA_HOST'
        : 'OLLAMA_AUTOSTART is set but `ollama` is not on PATH: install it from https://ollama.com/download';
    options.logger.warn({ ollama_host: url.origin }, `Ollama unreachable at ${url.origin}: ${why}`);
    return { reachable: false };
  }
  const child = spawn(binary, ['serve'], {
    env: { ...options.env, OLLAMA_HOST: url.host },
    stdio: 'ignore',
    detached: false,
  });
  child.on('error', () => {});
  options.logger.info({ ollama_host: url.origin, pid: child.pid }, 'Ollama unreachable: started `ollama serve`');
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  while (Date.now() < deadline && child.exitCode === null) {
    if (await reachable(url, 1_000)) return { reachable: true, started: child };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  options.logger.warn(
    { ollama_host: url.origin, exitCode: child.exitCode },
    `Ollama unreachable at ${url.origin}: the started \`ollama serve\` did not answer; run it yourself to see why`,
  );
  return { reachable: false, started: child };
}
