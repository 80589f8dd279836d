import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';

export interface ReloadCommandOptions {
  /** Send SIGHUP to the process whose id this file holds (written by `llamagate serve --pid-file`). */
  pidFile?: string;
  /** The gateway's base URL; else LLAMAGATE_URL, else http://127.0.0.1:$PORT (11435). */
  url?: string;
  /** The master key; else LLAMAGATE_MASTER_KEY, else API_KEY (from the environment or ./.env). */
  key?: string;
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  write?: (text: string) => void;
  writeError?: (text: string) => void;
}

/**
 * `llamagate reload`: asks a running gateway to reload its configuration, through `POST /admin/reload` (which
 * answers whether the new file was accepted and why not), or with `--pid-file` by sending SIGHUP (the outcome
 * is then in the gateway's log). Returns the exit code.
 */
export async function reloadCommand(options: ReloadCommandOptions = {}): Promise<number> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const writeError = options.writeError ?? ((text: string) => process.stderr.write(text));
  const cwd = options.cwd ?? process.cwd();
  const dotenvPath = resolve(cwd, '.env');
  const env = {
    ...(existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {}),
    ...(options.env ?? process.env),
  };

  if (options.pidFile !== undefined) {
    let pid: number;
    try {
      pid = Number.parseInt(readFileSync(resolve(cwd, options.pidFile), 'utf8').trim(), 10);
    } catch (error) {
      writeError(`llamagate: cannot read pid file ${options.pidFile}: ${(error as Error).message}\n`);
      return 1;
    }
    if (!Number.isInteger(pid) || pid <= 0) {
      writeError(`llamagate: ${options.pidFile} does not hold a process id\n`);
      return 1;
    }
    try {
      process.kill(pid, 'SIGHUP');
    } catch (error) {
      writeError(`llamagate: cannot signal process ${pid}: ${(error as Error).message}\n`);
      return 1;
    }
    write(`Sent SIGHUP to ${pid}; the gateway logs whether the configuration was accepted.\n`);
    return 0;
  }

  const base = (options.url ?? env.LLAMAGATE_URL ?? `http://127.0.0.1:${env.PORT || '11435'}`).replace(/\/+$/, '');
  const key = options.key ?? (env.LLAMAGATE_MASTER_KEY || env.API_KEY);
  let response: Response;
  try {
    response = await fetch(`${base}/admin/reload`, {
      method: 'POST',
      headers: key ? { authorization: `Bearer ${key}` } : {},
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    writeError(`llamagate: cannot reach the gateway at ${base} (${cause}); is it running? Use --url or --pid-file\n`);
    return 1;
  }
  const body = (await response.json().catch(() => undefined)) as
    | { configFile?: string | null; backends?: string[]; restartRequired?: string[]; error?: { message?: string } }
    | undefined;
  if (response.ok) {
    const file = body?.configFile ? ` from ${body.configFile}` : '';
    write(`Configuration reloaded${file}; backends: ${(body?.backends ?? []).join(', ') || 'none'}\n`);
    const restart = body?.restartRequired ?? [];
    if (restart.length > 0) write(`These changed settings apply only after a restart: ${restart.join(', ')}\n`);
    return 0;
  }
  writeError(`llamagate: reload failed (${response.status}): ${body?.error?.message ?? response.statusText}\n`);
  return 1;
}
