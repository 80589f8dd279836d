/**
 * Buffers usage records and appends them in batches, off the request path: every `flushIntervalMs`, or as soon
 * as `maxBatchSize` records wait. When the database is unreachable it keeps the records and retries with
 * exponential backoff; the buffer is bounded, and when it overflows the OLDEST records are dropped (counted in
 * `metrics.dropped`, reported through `onDrop` and the logger). Appends are idempotent by record id, so a batch
 * that failed half-way is simply sent again. A record the database refuses (see isRecordRejection) is isolated
 * by halving the batch and dropped alone, so it cannot hold up the records behind it.
 */
import { isRecordRejection } from './record-rejection.js';
import { type StorageLogger, silentLogger } from './storage-logger.js';
import { type UsageRecord, validateUsageRecord } from './usage-ledger.js';

/** Where a batching writer sends its batches: idempotent appends returning how many were new. */
export interface BatchSink<T> {
  append(records: readonly T[]): Promise<number>;
}

export interface BatchingUsageWriterOptions {
  /** Default 1000 ms. */
  flushIntervalMs?: number;
  /** Records per append call, and the count that triggers an early flush. Default 500. */
  maxBatchSize?: number;
  /** Records kept while the database is unreachable. Default 100_000. */
  maxBufferSize?: number;
  /** First retry delay after a failed flush, doubling up to `retryMaxMs`. Defaults 500 ms and 30 s. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** How long `close()` keeps retrying before dropping what is left. Default 5000 ms. */
  closeTimeoutMs?: number;
  logger?: StorageLogger;
  /** Called whenever records are dropped (buffer overflow, or still unsent at close). */
  onDrop?: (event: UsageDropEvent) => void;
}

export interface UsageDropEvent {
  count: number;
  /** `rejected`: the database refused the record itself (it would fail every retry); see isRecordRejection. */
  reason: 'buffer_full' | 'closed' | 'rejected';
  lastError: unknown;
}

export interface UsageWriterMetrics {
  /** Records accepted by `write`. */
  accepted: number;
  /** Records sent to the ledger successfully (duplicates included). */
  persisted: number;
  /** Records the ledger actually inserted (new requestIds). */
  inserted: number;
  failedFlushes: number;
  dropped: number;
  buffered: number;
}

/**
 * The batching, retrying, bounded buffer behind the usage writer and the request-log writer. `what` names the
 * records in log messages (`usage ledger`, `request log`).
 */
export class BatchingWriter<T> {
  readonly #ledger: BatchSink<T>;
  readonly #validate: (record: T) => void;
  readonly #what: string;
  readonly #flushIntervalMs: number;
  readonly #maxBatchSize: number;
  readonly #maxBufferSize: number;
  readonly #retryBaseMs: number;
  readonly #retryMaxMs: number;
  readonly #closeTimeoutMs: number;
  readonly #logger: StorageLogger;
  readonly #onDrop: ((event: UsageDropEvent) => void) | undefined;
  /** Told after every batch append, e.g. for a flush-latency metric. */
  onFlush: ((event: { records: number; durationMs: number; ok: boolean }) => void) | undefined;
  #buffer: T[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #retryAt = 0;
  /** While isolating a record the database refuses: the batch size to try next (halved on each refusal). */
  #probe: number | undefined;
  #consecutiveFailures = 0;
  #lastError: unknown;
  #closing: Promise<void> | undefined;
  #closed = false;
  readonly #metrics: Omit<UsageWriterMetrics, 'buffered'> = {
    accepted: 0,
    persisted: 0,
    inserted: 0,
    failedFlushes: 0,
    dropped: 0,
  };

  constructor(
    ledger: BatchSink<T>,
    options: BatchingUsageWriterOptions,
    validate: (record: T) => void,
    what = 'usage ledger',
  ) {
    this.#ledger = ledger;
    this.#validate = validate;
    this.#what = what;
    this.#flushIntervalMs = options.flushIntervalMs ?? 1000;
    this.#maxBatchSize = options.maxBatchSize ?? 500;
    this.#maxBufferSize = Math.max(options.maxBufferSize ?? 100_000, this.#maxBatchSize);
    this.#retryBaseMs = options.retryBaseMs ?? 500;
    this.#retryMaxMs = options.retryMaxMs ?? 30_000;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 5000;
    this.#logger = options.logger ?? silentLogger;
    this.#onDrop = options.onDrop;
    this.#timer = setInterval(() => this.#backgroundFlush(), this.#flushIntervalMs);
    this.#timer.unref();
  }

  get metrics(): UsageWriterMetrics {
    return { ...this.#metrics, buffered: this.#buffer.length };
  }

  /**
   * Queues a record; never blocks and never throws for database trouble (it throws a RangeError for an invalid
   * record). After `close()` the record is dropped and reported.
   */
  write(record: T): void {
    this.#validate(record);
    this.#metrics.accepted++;
    this.#buffer.push(record);
    if (this.#closed) {
      // A request that finished after shutdown: nothing will flush it any more.
      this.#drop(this.#buffer.length, 'closed');
      return;
    }
    if (this.#buffer.length > this.#maxBufferSize) {
      this.#drop(this.#buffer.length - this.#maxBufferSize + this.#maxBatchSize - 1, 'buffer_full');
    }
    if (this.#buffer.length >= this.#maxBatchSize) this.#backgroundFlush();
  }

  /**
   * Sends everything buffered now. Rejects with the ledger's error if a batch fails (those records stay
   * buffered for the next attempt).
   */
  async flush(): Promise<void> {
    while (this.#flushing !== undefined) await this.#flushing.catch(() => {});
    const run = this.#flushAll();
    this.#flushing = run;
    try {
      await run;
    } finally {
      this.#flushing = undefined;
    }
  }

  /** Stops the timer and flushes, retrying up to `closeTimeoutMs`; whatever is still unsent is dropped. */
  async close(): Promise<void> {
    if (this.#closing !== undefined) return this.#closing;
    clearInterval(this.#timer);
    this.#closing = this.#drain().finally(() => {
      this.#closed = true;
    });
    return this.#closing;
  }

  async #drain(): Promise<void> {
    const deadline = Date.now() + this.#closeTimeoutMs;
    let delay = Math.min(this.#retryBaseMs, 250);
    for (;;) {
      try {
        await this.flush();
        if (this.#buffer.length === 0) return;
      } catch {
        // Retried below until the deadline.
      }
      const wait = Math.min(delay, deadline - Date.now());
      if (wait <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, wait));
      delay = Math.min(delay * 2, this.#retryMaxMs);
    }
    if (this.#buffer.length > 0) this.#drop(this.#buffer.length, 'closed');
  }

  async #flushAll(): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.slice(0, this.#probe ?? this.#maxBatchSize);
      const startedAt = performance.now();
      try {
        const inserted = await this.#ledger.append(batch);
        this.onFlush?.({ records: batch.length, durationMs: performance.now() - startedAt, ok: true });
        this.#metrics.persisted += batch.length;
        this.#metrics.inserted += inserted;
        // Records dropped while the append was in flight were the oldest, i.e. this batch: remove only what remains.
        const sent = new Set(batch);
        this.#buffer = this.#buffer.filter((record) => !sent.has(record));
        if (this.#consecutiveFailures > 0) {
          this.#logger.info({ failures: this.#consecutiveFailures }, `${this.#what} reachable again`);
        }
        this.#consecutiveFailures = 0;
        this.#retryAt = 0;
        if (this.#probe !== undefined)
          this.#probe = this.#probe * 2 >= this.#maxBatchSize ? undefined : this.#probe * 2;
      } catch (error) {
        if (isRecordRejection(error)) {
          this.onFlush?.({ records: batch.length, durationMs: performance.now() - startedAt, ok: false });
          this.#lastError = error;
          // A record the database refuses would fail every retry and hold up all behind it: halve the batch
          // until it is alone, then drop it (the rest of the batch is written).
          if (batch.length > 1) this.#probe = Math.ceil(batch.length / 2);
          else this.#reject(batch[0] as T, error);
          continue;
        }
        this.onFlush?.({ records: batch.length, durationMs: performance.now() - startedAt, ok: false });
        this.#metrics.failedFlushes++;
        this.#consecutiveFailures++;
        this.#lastError = error;
        const delay = Math.min(this.#retryBaseMs * 2 ** (this.#consecutiveFailures - 1), this.#retryMaxMs);
        this.#retryAt = Date.now() + delay;
        if (this.#consecutiveFailures === 1 || this.#consecutiveFailures % 10 === 0) {
          this.#logger.warn(
            { err: error, buffered: this.#buffer.length, failures: this.#consecutiveFailures, retryInMs: delay },
            `${this.#what} write failed; records kept for retry`,
          );
        }
        throw error;
      }
    }
  }

  #backgroundFlush(): void {
    if (this.#flushing !== undefined || this.#buffer.length === 0 || Date.now() < this.#retryAt) return;
    this.flush().catch(() => {
      // Logged in #flushAll; the next tick retries after the backoff.
    });
  }

  #reject(record: T, error: unknown): void {
    this.#buffer = this.#buffer.filter((buffered) => buffered !== record);
    this.#metrics.dropped++;
    this.#logger.error(
      { count: 1, reason: 'rejected', totalDropped: this.#metrics.dropped, err: error, recordId: recordId(record) },
      `${this.#what} record refused by the database; dropped`,
    );
    this.#onDrop?.({ count: 1, reason: 'rejected', lastError: error });
  }

  #drop(count: number, reason: UsageDropEvent['reason']): void {
    const dropped = this.#buffer.splice(0, Math.min(count, this.#buffer.length));
    if (dropped.length === 0) return;
    this.#metrics.dropped += dropped.length;
    this.#logger.error(
      { count: dropped.length, reason, totalDropped: this.#metrics.dropped, err: this.#lastError },
      `${this.#what} records dropped`,
    );
    this.#onDrop?.({ count: dropped.length, reason, lastError: this.#lastError });
  }
}

/** What names a record in a log line (never its contents, which may hold request bodies). */
function recordId(record: unknown): unknown {
  const named = record as { id?: unknown; requestId?: unknown } | null;
  return named?.id ?? named?.requestId;
}

/** Batched, off-the-hot-path writer into the usage ledger. */
export class BatchingUsageWriter extends BatchingWriter<UsageRecord> {
  constructor(ledger: BatchSink<UsageRecord>, options: BatchingUsageWriterOptions = {}) {
    super(ledger, options, validateUsageRecord);
  }
}
