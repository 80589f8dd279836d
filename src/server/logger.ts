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
 * Structured JSON logs (pino), asynchronous so the hot path never waits on stdout. Request headers, bodies and
 * keys are never logged.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.silent ? 'silent' : options.debug ? 'debug' : 'info';
  // No redaction pass: every log line is built from chosen fields (ids, model, backend, counts, timings), never
  // from headers, bodies or keys, and config dumps go through redactConfig. A pass would cost on every line.
  const stdout = options.destination ?? pino.destination({ dest: 1, sync: false });
  if (options.logFile === undefined) return pino({ level, base: { service: 'llamagate' } }, stdout);
  const file = createWriteStream(options.logFile, { flags: 'a' });
  return pino(
    { level, base: { service: 'llamagate' } },
    pino.multistream([
      { stream: stdout, level },
      { stream: file, level },
    ]),
  );
}
