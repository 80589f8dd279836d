/**
 * The Responses API's conversation state: stored responses in the configured storage (Postgres with
 * DATABASE_URL, else SQLite under the data directory), opened on first use. Writes are queued and flushed in
 * batches off the request path; a queued record is readable at once in this process, so a client's next turn
 * never waits for the flush.
 */
import { join } from 'node:path';
import type { GatewayConfig } from '../config/config-schema.js';
import type { ResponseStore, StoredResponse } from '../storage/responses/response-store.js';
import type { Logger } from './logger.js';

const FLUSH_DELAY_MS = 20;
const PRUNE_INTERVAL_MS = 3_600_000;

export class ResponsesState {
  readonly #open: () => Promise<ResponseStore>;
  readonly #logger: Pick<Logger, 'warn' | 'error'>;
  readonly retentionMs: number;
  #store: Promise<ResponseStore> | undefined;
  readonly #pending = new Map<string, StoredResponse>();
  #flushTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #pruneTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(open: () => Promise<ResponseStore>, retentionMs: number, logger: Pick<Logger, 'warn' | 'error'>) {
    this.#open = open;
    this.retentionMs = retentionMs;
    this.#logger = logger;
  }

  /**
   * Postgres with `databaseUrl`, else SQLite in `<dataDir>/llamagate.db`; the storage code loads on first use,
   * so a gateway that never stores a response never loads a database driver.
   */
  static fromConfig(config: Readonly<GatewayConfig>, logger: Pick<Logger, 'warn' | 'error'>): ResponsesState {
    const open = async (): Promise<ResponseStore> => {
      if (config.databaseUrl !== undefined && config.databaseUrl !== '') {
        const { PostgresResponseStore } = await import('../storage/responses/postgres-response-store.js');
        return PostgresResponseStore.open({ connectionString: config.databaseUrl });
      }
      const { SqliteResponseStore } = await import('../storage/responses/sqlite-response-store.js');
      const { SQLITE_FILE_NAME } = await import('../storage/index.js');
      return new SqliteResponseStore({ file: join(config.dataDir, SQLITE_FILE_NAME) });
    };
    return new ResponsesState(open, config.responses.retentionMs, logger);
  }

  #storage(): Promise<ResponseStore> {
    if (this.#store === undefined) {
      this.#store = this.#open();
      this.#store.then(
        (store) => {
          this.#pruneTimer = setInterval(() => {
            store.deleteExpired(Date.now()).catch((error: unknown) => {
              this.#logger.warn({ err: error }, 'could not prune expired responses');
            });
          }, PRUNE_INTERVAL_MS);
          this.#pruneTimer.unref();
        },
        () => {
          // Opening failed: the next use tries again.
          this.#store = undefined;
        },
      );
    }
    return this.#store;
  }

  /** The stored response of `owner`, queued writes included; undefined when missing, foreign or expired. */
  async get(id: string, owner: string): Promise<StoredResponse | undefined> {
    const now = Date.now();
    const pending = this.#pending.get(id);
    if (pending !== undefined) return pending.owner === owner && pending.expiresAt > now ? pending : undefined;
    return (await this.#storage()).get(id, owner, now);
  }

  /** Queues a record; it is written with the next batch. */
  save(record: Omit<StoredResponse, 'expiresAt'>): void {
    if (this.#closed) return;
    this.#pending.set(record.id, { ...record, expiresAt: record.createdAt + this.retentionMs });
    this.#flushTimer ??= setTimeout(() => {
      this.#flushTimer = undefined;
      this.#flushing = this.#flushing.then(() => this.#flush());
    }, FLUSH_DELAY_MS);
  }

  async delete(id: string, owner: string): Promise<boolean> {
    const pending = this.#pending.get(id);
    if (pending !== undefined && pending.owner === owner) {
      this.#pending.delete(id);
      await this.#flushing;
      await (await this.#storage()).delete(id, owner);
      return true;
    }
    return (await this.#storage()).delete(id, owner);
  }

  async #flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending.values()];
    try {
      await (await this.#storage()).putMany(batch);
      for (const record of batch) if (this.#pending.get(record.id) === record) this.#pending.delete(record.id);
    } catch (error) {
      this.#logger.error(
        { err: error, count: batch.length },
        'could not store responses; retrying with the next batch',
      );
      if (!this.#closed && this.#flushTimer === undefined) {
        this.#flushTimer = setTimeout(() => {
          this.#flushTimer = undefined;
          this.#flushing = this.#flushing.then(() => this.#flush());
        }, 1000);
      }
    }
  }

  /** Writes what is queued, then closes the storage. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#flushTimer);
    clearInterval(this.#pruneTimer);
    await this.#flushing;
    if (this.#pending.size > 0) await this.#flush();
    if (this.#store !== undefined) await (await this.#store.catch(() => undefined))?.close();
  }
}
