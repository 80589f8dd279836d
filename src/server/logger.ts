import pino, { type Logger } from 'pino';
import { BatchedLogDestination } from './log-destination.js';

export type { Logger };

export interface LoggerOptions {
  debug: boolean;
  logFile?: string;
  /** Where stdout lines go (tests pass a stream to read them). */
  destination?: NodeJS.WritableStream;
  silent?: boolean;
}

/**
 * Lines are batched up to this many characters and written together, and at least every
 * {@link LOG_FLUSH_INTERVAL_MS}, instead of one write (a thread-pool round trip and a pipe wake-up) per
 * request line. `flush()` (shutdown) and process exit write what is left.
 */
const LOG_BUFFER_CHARACTERS = 4096;
const LOG_FLUSH_INTERVAL_MS = 100;

function batchedDestination(destination: number | string): BatchedLogDestination {
  return new BatchedLogDestination(destination, {
    minLength: LOG_BUFFER_CHARACTERS,
    flushIntervalMs: LOG_FLUSH_INTERVAL_MS,
  });
}

/**
 * Structured JSON logs (pino), asynchronous and buffered so the hot path never waits on stdout or the log file.
 * Request headers, bodies and keys are never logged.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.silent ? 'silent' : options.debug ? 'debug' : 'info';
  // No redaction pass: every log line is built from chosen fields (ids, model, backend, counts, timings), never
  // from headers, bodies or keys, and config dumps go through redactConfig. A pass would cost on every line.
  if (options.silent && options.destination === undefined) return pino({ level, base: { service: 'llamagate' } });
  const stdout = options.destination ?? batchedDestination(1);
  if (options.logFile === undefined) return pino({ level, base: { service: 'llamagate' } }, stdout);
  const file = batchedDestination(options.logFile);
  return pino(
    { level, base: { service: 'llamagate' } },
    pino.multistream([
      { stream: stdout, level },
      { stream: file, level },
    ]),
  );
}
