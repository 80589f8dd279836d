import { createWriteStream } from 'node:fs';
import pino, { type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  debug: boolean;
  logFile?: string;
  /** Where stdout lines go (tests pass a stream to read them). */
  destination?: NodeJS.WritableStream;
  silent?: boolean;
}

/**
 * Structured JSON logs (pino), asynchronous so the hot path never waits on stdout. Secret-bearing fields are
 * redacted wherever they appear; request headers and bodies are never logged.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.silent ? 'silent' : options.debug ? 'debug' : 'info';
  // Log lines are built from chosen fields and never carry headers, bodies or keys; these top-level paths
  // are a second line of defence. Wildcard paths are avoided: they cost on every line of the hot path.
  const redact = {
    paths: ['apiKey', 'authorization', 'key', 'masterKey', 'headers', 'password', 'token'],
    censor: '[redacted]',
  };
  const stdout = options.destination ?? pino.destination({ dest: 1, sync: false });
  if (options.logFile === undefined) return pino({ level, redact, base: { service: 'llamagate' } }, stdout);
  const file = createWriteStream(options.logFile, { flags: 'a' });
  return pino(
    { level, redact, base: { service: 'llamagate' } },
    pino.multistream([
      { stream: stdout, level },
      { stream: file, level },
    ]),
  );
}
