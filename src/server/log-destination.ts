import { closeSync, openSync, write, writeSync } from 'node:fs';

export interface BatchedLogDestinationOptions {
  /** Characters collected before a write is started (default 65536). */
  minLength?: number;
  /** Longest a line waits before it is written (ms, default 100). */
  flushIntervalMs?: number;
  /** Characters kept while the reader is not keeping up; lines past it are dropped and counted (default 64 MiB). */
  maxPending?: number;
}

type FlushCallback = (error?: Error) => void;

/**
 * A pino destination for a file descriptor (stdout, a log file) that batches lines: they are collected in an
 * array and joined once per write, with one `fs.write` (thread pool) in flight at a time, at least every
 * `flushIntervalMs`. The hot path only pushes a string. (sonic-boom's `minLength` buffering appends to one
 * string and measures its byte length on every line, which copies the whole buffer per line once writes
 * fall behind.) A reader that stops reading costs memory up to `maxPending`, then lines are dropped and a
 * count of them is logged once writing resumes. `flushSync()` runs at process exit.
 */
export class BatchedLogDestination {
  readonly #fd: number;
  readonly #ownsFd: boolean;
  readonly #minLength: number;
  readonly #flushIntervalMs: number;
  readonly #maxPending: number;
  #pending: string[] = [];
  #pendingLength = 0;
  #dropped = 0;
  #writing = false;
  #timer: NodeJS.Timeout | undefined;
  #waiting: FlushCallback[] = [];
  readonly #onExit = () => this.flushSync();

  constructor(destination: number | string, options: BatchedLogDestinationOptions = {}) {
    this.#ownsFd = typeof destination === 'string';
    this.#fd = typeof destination === 'string' ? openSync(destination, 'a') : destination;
    this.#minLength = options.minLength ?? 65_536;
    this.#flushIntervalMs = options.flushIntervalMs ?? 100;
    this.#maxPending = options.maxPending ?? 64 * 1024 * 1024;
    process.on('exit', this.#onExit);
  }

  /** pino calls this once per log line (the line ends with a newline). */
  write(line: string): boolean {
    if (this.#pendingLength + line.length > this.#maxPending) {
      this.#dropped++;
      return false;
    }
    this.#pending.push(line);
    this.#pendingLength += line.length;
    if (this.#writing) return true;
    if (this.#pendingLength >= this.#minLength) this.#startWrite();
    else this.#armTimer();
    return true;
  }

  #armTimer(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#writing) this.#startWrite();
    }, this.#flushIntervalMs);
    this.#timer.unref();
  }

  /** Writes what is pending and calls back once it is on the descriptor (pino's `logger.flush(cb)`). */
  flush(callback?: FlushCallback): void {
    if (this.#pending.length === 0 && !this.#writing) {
      callback?.();
      return;
    }
    if (callback !== undefined) this.#waiting.push(callback);
    if (!this.#writing) this.#startWrite();
  }

  /** Writes everything pending now, blocking (process exit, fatal paths). */
  flushSync(): void {
    const text = this.#take();
    if (text === undefined) return;
    const bytes = Buffer.from(text);
    let offset = 0;
    let attempts = 0;
    while (offset < bytes.length && attempts < 1000) {
      try {
        offset += writeSync(this.#fd, bytes, offset, bytes.length - offset);
      } catch (error) {
        // A non-blocking pipe whose reader is behind: try again; anything else loses the rest.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
        attempts++;
      }
    }
  }

  /** Flushes synchronously and stops (the descriptor is closed when this destination opened it). */
  end(): void {
    this.flushSync();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    process.off('exit', this.#onExit);
    if (this.#ownsFd) closeSync(this.#fd);
  }

  #take(): string | undefined {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#dropped > 0) {
      this.#pending.push(
        `${JSON.stringify({ level: 40, time: Date.now(), msg: 'log lines dropped: the log destination was not keeping up', dropped: this.#dropped })}\n`,
      );
      this.#dropped = 0;
    }
    if (this.#pending.length === 0) return undefined;
    const text = this.#pending.length === 1 ? (this.#pending[0] as string) : this.#pending.join('');
    this.#pending = [];
    this.#pendingLength = 0;
    return text;
  }

  #startWrite(): void {
    const text = this.#take();
    if (text === undefined) {
      this.#settle();
      return;
    }
    this.#writing = true;
    this.#writeBytes(Buffer.from(text), 0);
  }

  #writeBytes(bytes: Buffer, offset: number): void {
    write(this.#fd, bytes, offset, bytes.length - offset, null, (error, written) => {
      if (error !== null) {
        if (error.code === 'EAGAIN') {
          setTimeout(() => this.#writeBytes(bytes, offset), 10).unref();
          return;
        }
        this.#writing = false;
        this.#settle(error);
        return;
      }
      if (offset + written < bytes.length) {
        this.#writeBytes(bytes, offset + written);
        return;
      }
      this.#writing = false;
      if (this.#pendingLength >= this.#minLength || this.#waiting.length > 0) this.#startWrite();
      else if (this.#pending.length > 0) this.#armTimer();
    });
  }

  #settle(error?: Error): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const callback of waiting) callback(error);
  }
}
