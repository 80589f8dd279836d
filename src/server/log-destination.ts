import { closeSync, openSync, write, writeSync } from 'node:fs';

export interface BatchedLogDestinationOptions {
  /** Bytes collected before a write is started (default 65536): the size of each batch buffer. */
  minLength?: number;
  /** Longest a line waits before it is written (ms, default 100). */
  flushIntervalMs?: number;
  /** Bytes kept while the reader is not keeping up; lines past it are dropped and counted (default 64 MiB). */
  maxPending?: number;
}

type FlushCallback = (error?: Error) => void;

/** A batch: `used` bytes of `bytes` hold whole lines. */
interface Batch {
  bytes: Buffer;
  used: number;
}

/** Written batches kept for reuse, so a steady load allocates no new buffers. */
const SPARE_BATCHES = 2;

/**
 * A pino destination for a file descriptor (stdout, a log file) that batches lines. Each line is encoded
 * straight into a preallocated batch buffer as it arrives, so nothing of it stays on the JavaScript heap:
 * lines held for up to `flushIntervalMs` would otherwise survive young-generation collections and be copied
 * by each of them. A full batch is queued and written with one `fs.write` (thread pool), one write in flight
 * at a time; the partly filled one is written at least every `flushIntervalMs`. (sonic-boom's `minLength`
 * buffering appends to one string and measures its byte length on every line, which copies the whole buffer
 * per line once writes fall behind.) A reader that stops reading costs memory up to `maxPending`, then lines
 * are dropped and a count of them is logged once writing resumes. `flushSync()` runs at process exit.
 */
export class BatchedLogDestination {
  readonly #fd: number;
  readonly #ownsFd: boolean;
  readonly #batchSize: number;
  readonly #flushIntervalMs: number;
  readonly #maxPending: number;
  /** The batch lines are being added to. */
  #current: Batch;
  /** Full batches waiting for the write in flight. */
  #queue: Batch[] = [];
  #spare: Batch[] = [];
  /** Bytes in the queue, the batch being written and the current one. */
  #pendingBytes = 0;
  #dropped = 0;
  #writing = false;
  #timer: NodeJS.Timeout | undefined;
  #waiting: FlushCallback[] = [];
  readonly #onExit = () => this.flushSync();

  constructor(destination: number | string, options: BatchedLogDestinationOptions = {}) {
    this.#ownsFd = typeof destination === 'string';
    this.#fd = typeof destination === 'string' ? openSync(destination, 'a') : destination;
    this.#batchSize = Math.max(1, options.minLength ?? 65_536);
    this.#flushIntervalMs = options.flushIntervalMs ?? 100;
    this.#maxPending = options.maxPending ?? 64 * 1024 * 1024;
    this.#current = this.#newBatch();
    process.on('exit', this.#onExit);
  }

  /** pino calls this once per log line (the line ends with a newline). */
  write(line: string): boolean {
    // Counted in UTF-16 units here (bytes for the ASCII lines logs are made of): no scan of the line.
    if (this.#pendingBytes + line.length > this.#maxPending) {
      this.#dropped++;
      return false;
    }
    // A line's UTF-8 length is at most three bytes per UTF-16 unit; measured exactly only when that matters.
    const most = line.length * 3;
    this.#append(line, most <= this.#batchSize - this.#current.used ? most : Buffer.byteLength(line));
    if (this.#writing) return true;
    if (this.#queue.length > 0) this.#startWrite(false);
    else this.#armTimer();
    return true;
  }

  /** Adds a line to the current batch; `room` is its byte length or more. Seals the batch when it fills up. */
  #append(line: string, room: number): void {
    let batch = this.#current;
    if (room > batch.bytes.length - batch.used) {
      this.#seal();
      batch = this.#current;
      if (room > batch.bytes.length) {
        // Longer than a whole batch: queued on its own.
        const bytes = Buffer.from(line);
        this.#queue.push({ bytes, used: bytes.length });
        this.#pendingBytes += bytes.length;
        return;
      }
    }
    const written = batch.bytes.write(line, batch.used);
    batch.used += written;
    this.#pendingBytes += written;
    if (batch.used === batch.bytes.length) this.#seal();
  }

  /** Queues the current batch (when it holds anything) and starts a new one. */
  #seal(): void {
    if (this.#current.used === 0) return;
    this.#queue.push(this.#current);
    this.#current = this.#spare.pop() ?? this.#newBatch();
  }

  #newBatch(): Batch {
    return { bytes: Buffer.allocUnsafe(this.#batchSize), used: 0 };
  }

  #armTimer(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (!this.#writing) this.#startWrite(true);
    }, this.#flushIntervalMs);
    this.#timer.unref();
  }

  /** Writes what is pending and calls back once it is on the descriptor (pino's `logger.flush(cb)`). */
  flush(callback?: FlushCallback): void {
    if (this.#pendingBytes === 0 && this.#dropped === 0 && !this.#writing) {
      callback?.();
      return;
    }
    if (callback !== undefined) this.#waiting.push(callback);
    if (!this.#writing) this.#startWrite(true);
  }

  /** Writes everything pending now, blocking (process exit, fatal paths). */
  flushSync(): void {
    this.#noteDropped();
    this.#seal();
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batches = this.#queue;
    this.#queue = [];
    for (const batch of batches) {
      this.#pendingBytes -= batch.used;
      if (!this.#writeSync(batch)) return;
    }
  }

  #writeSync(batch: Batch): boolean {
    let offset = 0;
    let attempts = 0;
    while (offset < batch.used && attempts < 1000) {
      try {
        offset += writeSync(this.#fd, batch.bytes, offset, batch.used - offset);
      } catch (error) {
        // A non-blocking pipe whose reader is behind: try again; anything else loses the rest.
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return false;
        attempts++;
      }
    }
    return true;
  }

  /** Flushes synchronously and stops (the descriptor is closed when this destination opened it). */
  end(): void {
    this.flushSync();
    process.off('exit', this.#onExit);
    if (this.#ownsFd) closeSync(this.#fd);
  }

  /** Once writing resumes after lines were dropped: a line saying how many. */
  #noteDropped(): void {
    if (this.#dropped === 0) return;
    const notice = `${JSON.stringify({ level: 40, time: Date.now(), msg: 'log lines dropped: the log destination was not keeping up', dropped: this.#dropped })}\n`;
    this.#dropped = 0;
    this.#append(notice, Buffer.byteLength(notice));
  }

  /** Starts writing the next queued batch; `includeCurrent` also takes the partly filled one (interval, flush). */
  #startWrite(includeCurrent: boolean): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#noteDropped();
    if (this.#queue.length === 0 && (includeCurrent || this.#waiting.length > 0)) this.#seal();
    const batch = this.#queue.shift();
    if (batch === undefined) {
      this.#settle();
      if (this.#current.used > 0) this.#armTimer();
      return;
    }
    this.#writing = true;
    this.#writeBatch(batch, 0);
  }

  #writeBatch(batch: Batch, offset: number): void {
    write(this.#fd, batch.bytes, offset, batch.used - offset, null, (error, written) => {
      if (error !== null) {
        if (error.code === 'EAGAIN') {
          setTimeout(() => this.#writeBatch(batch, offset), 10).unref();
          return;
        }
        this.#finished(batch);
        this.#settle(error);
        return;
      }
      if (offset + written < batch.used) {
        this.#writeBatch(batch, offset + written);
        return;
      }
      this.#finished(batch);
      this.#startWrite(false);
    });
  }

  /** A batch is off the queue (written, or lost to a write error): its bytes no longer count, its buffer is reused. */
  #finished(batch: Batch): void {
    this.#writing = false;
    this.#pendingBytes -= batch.used;
    if (batch.bytes.length === this.#batchSize && this.#spare.length < SPARE_BATCHES) {
      batch.used = 0;
      this.#spare.push(batch);
    }
  }

  #settle(error?: Error): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const callback of waiting) callback(error);
  }
}
