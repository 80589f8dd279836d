import pino, { type Logger } from 'pino';
import { BatchedLogDestination } from './log-destination.js';

/** Marks a logger built by `createLogger`: default pino line format, a destination that takes whole lines. */
export const DIRECT_LINES = Symbol.for('llamagate.directRequestLines');

export type { Logger };

export interface LoggerOptions {
  debug: boolean;
  logFile?: string;
  /** Where stdout lines go (tests pass a stream to read them). */
  destination?: NodeJS.WritableStream;
  silent?: boolean;
}

/**
 * Lines are written together every {@link LOG_FLUSH_INTERVAL_MS}, or as soon as this many bytes wait: each
 * write costs a thread-pool round trip and a wake-up of the pipe's reader, whatever its size
 * (docs/decisions/0001-batched-log-writes.md). `flush()` (shutdown) and process exit write what is left.
 */
const LOG_BATCH_BYTES = 1024 * 1024;
const LOG_FLUSH_INTERVAL_MS = 100;

function batchedDestination(destination: number | string): BatchedLogDestination {
  return new BatchedLogDestination(destination, {
    minLength: LOG_BATCH_BYTES,
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
  const settings = { level, base: { service: 'llamagate' } };
  if (options.silent && options.destination === undefined) return pino(settings);
  const stdout = options.destination ?? batchedDestination(1);
  // LOG_FILE: every line goes to both, at the same level, so a plain tee replaces pino.multistream.
  const file = options.logFile === undefined ? undefined : batchedDestination(options.logFile);
  const destination =
    file === undefined
      ? stdout
      : {
          write(line: string) {
            stdout.write(line);
            file.write(line);
          },
          /** Calls back once both outputs are flushed (with the first error, if any). */
          flush(callback?: (error?: Error) => void) {
            let waiting = 2;
            let failure: Error | undefined;
            const flushed = (error?: Error) => {
              failure ??= error;
              if (--waiting === 0) callback?.(failure);
            };
            file.flush(flushed);
            if ('flush' in stdout && typeof stdout.flush === 'function') stdout.flush(flushed);
            else flushed();
          },
        };
  const logger = pino(settings, destination);
  // The request line may be written straight to `destination` (see request-log.ts): the line format is pino's
  // default and the destination takes whole lines.
  (logger as unknown as Record<symbol, unknown>)[DIRECT_LINES] = true;
  return logger;
}
