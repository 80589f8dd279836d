/**
 * Keeps the request log within `LOG_RETENTION`: every `intervalMs` it deletes records older than the window
 * in small batches, yielding to the event loop between batches, so pruning a large backlog never holds
 * requests up.
 */
import type { RequestLog } from './request-log.js';
import { type StorageLogger, silentLogger } from './storage-logger.js';

export interface RequestLogRetentionOptions {
  /** How long records are kept (ms); 0 keeps them forever. */
  retentionMs: number;
  /** Default 60 s. */
  intervalMs?: number;
  /** Records deleted per statement. Default 500. */
  batchSize?: number;
  logger?: StorageLogger;
  now?: () => number;
}

export class RequestLogRetention {
  readonly #log: RequestLog;
  readonly #retentionMs: number;
  readonly #batchSize: number;
  readonly #logger: StorageLogger;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #stopped = false;

  constructor(log: RequestLog, options: RequestLogRetentionOptions) {
    this.#log = log;
    this.#retentionMs = options.retentionMs;
    this.#batchSize = options.batchSize ?? 500;
    this.#logger = options.logger ?? silentLogger;
    this.#now = options.now ?? Date.now;
    if (this.#retentionMs > 0) {
      this.#timer = setInterval(() => {
        this.prune().catch((error: unknown) => this.#logger.warn({ err: error }, 'pruning the request log failed'));
      }, options.intervalMs ?? 60_000);
      this.#timer.unref();
    }
  }

  /** Deletes every record past the window, batch by batch; resolves with how many. One run at a time. */
  prune(): Promise<number> {
    if (this.#retentionMs <= 0) return Promise.resolve(0);
    this.#running ??= this.#pruneAll().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #pruneAll(): Promise<number> {
    const before = this.#now() - this.#retentionMs;
    let total = 0;
    while (!this.#stopped) {
      const deleted = await this.#log.prune(before, this.#batchSize);
      total += deleted;
      if (deleted < this.#batchSize) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    await this.#running?.catch(() => {});
  }
}
