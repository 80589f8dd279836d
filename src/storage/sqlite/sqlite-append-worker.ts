/**
 * Appends (usage-ledger and request-log inserts) on a worker thread. better-sqlite3 is synchronous, and a batch
 * of a thousand rows would hold the event loop for tens of milliseconds; here the worker owns its own WAL
 * connection to the same file and the caller only awaits a message. One worker serves every appender of a
 * database file (one thread, one writer connection); each message names its INSERT, which the worker prepares
 * once, and carries rows as column values (converted by the caller) inserted in one `BEGIN IMMEDIATE`
 * transaction.
 */
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// CommonJS source evaluated in the worker; better-sqlite3 is required by absolute path, so the same code
// runs from src/ under the test runner and from dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.modulePath);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
const inserts = new Map();
const statements = new Map();
function statement(sql) {
  let prepared = statements.get(sql);
  if (prepared === undefined) {
    prepared = db.prepare(sql);
    statements.set(sql, prepared);
  }
  return prepared;
}
// followUps[i]: [index into followUpSql, params][] run after row i, only when row i was inserted (so a replay
// applies them once).
function insertAll(sql) {
  let run = inserts.get(sql);
  if (run === undefined) {
    const insert = db.prepare(sql);
    run = db.transaction((rows, followUpSql, followUps) => {
      const prepared = followUpSql === undefined ? [] : followUpSql.map(statement);
      let inserted = 0;
      for (let i = 0; i < rows.length; i++) {
        const changes = insert.run(rows[i]).changes;
        inserted += changes;
        const after = followUps === undefined ? undefined : followUps[i];
        if (changes === 1 && after) for (const [index, params] of after) prepared[index].run(params);
      }
      return inserted;
    });
    inserts.set(sql, run);
  }
  return run;
}
parentPort.on('message', (message) => {
  if (message.type === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const inserted = insertAll(message.sql).immediate(message.rows, message.followUpSql, message.followUps);
    parentPort.postMessage({ id: message.id, inserted });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String((error && error.message) || error), code: error && error.code });
  }
});
`;

/** The worker's failure as an Error carrying SQLite's code (`SQLITE_CONSTRAINT_…`, `SQLITE_BUSY`…). */
function appendError(message: string, code: string | undefined): Error {
  const error = new Error(`append failed: ${message}`) as Error & { code?: string };
  if (code !== undefined) error.code = code;
  return error;
}

/**
 * Statements (SQL and its parameters) that belong to one appended row: run in the same transaction right after
 * it, and only when the row was new, so a replayed batch never applies them twice.
 */
export type FollowUps = readonly (readonly [sql: string, params: readonly unknown[]])[] | undefined;

/**
 * Follow-ups as the worker takes them: each distinct statement's SQL once per message, and each follow-up as its
 * index there, so the worker neither receives nor hashes the same SQL text again for every row (decision 0032).
 */
function indexedFollowUps(followUps: readonly FollowUps[] | undefined): {
  followUpSql?: string[];
  followUps?: (readonly [index: number, params: readonly unknown[]])[][];
} {
  if (followUps === undefined) return {};
  const indexes = new Map<string, number>();
  const indexed = followUps.map((after) =>
    (after ?? []).map(([sql, params]) => {
      let index = indexes.get(sql);
      if (index === undefined) {
        index = indexes.size;
        indexes.set(sql, index);
      }
      return [index, params] as const;
    }),
  );
  return { followUpSql: [...indexes.keys()], followUps: indexed };
}

interface Pending {
  resolve(inserted: number): void;
  reject(error: Error): void;
}

export interface SqliteAppendWorkerOptions {
  file: string;
  busyTimeoutMs: number;
}

export class SqliteAppendWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  /** The promises of appends still running, so close() can wait for them. */
  readonly #inflight = new Set<Promise<number>>();
  #nextId = 0;
  #closed = false;

  constructor(options: SqliteAppendWorkerOptions) {
    const modulePath = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ...options, modulePath } });
    // Only pending appends keep the process alive; an idle worker never holds up an exit.
    this.#worker.unref();
    this.#worker.on('message', (message: { id: number; inserted?: number; error?: string; code?: string }) => {
      const pending = this.#pending.get(message.id);
      if (pending === undefined) return;
      this.#settle(message.id);
      if (message.error !== undefined) pending.reject(appendError(message.error, message.code));
      else pending.resolve(message.inserted ?? 0);
    });
    const failAll = (error: Error) => {
      for (const [id, pending] of this.#pending) {
        this.#settle(id);
        pending.reject(error);
      }
    };
    this.#worker.on('error', (error) => failAll(error));
    this.#worker.on('exit', (code) => failAll(new Error(`append worker exited (code ${code})`)));
  }

  #settle(id: number): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#worker.unref();
  }

  /**
   * Inserts rows (column values in the order of `sql`, an INSERT with one `?` per column) in one transaction,
   * each new row followed by its `followUps`; resolves with the rows inserted.
   */
  append(sql: string, rows: readonly unknown[][], followUps?: readonly FollowUps[]): Promise<number> {
    if (this.#closed) return Promise.reject(new Error('append worker is closed'));
    if (rows.length === 0) return Promise.resolve(0);
    const id = this.#nextId++;
    const result = new Promise<number>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    const forget = () => this.#inflight.delete(result);
    result.then(forget, forget);
    this.#inflight.add(result);
    this.#worker.ref();
    this.#worker.postMessage({ id, sql, rows, ...indexedFollowUps(followUps) });
    return result;
  }

  /** Resolves once the appends sent so far have finished (whatever their outcome). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#inflight]);
  }

  /** Lets pending appends finish, then closes the worker's connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inflight]);
    const exited = once(this.#worker, 'exit');
    this.#worker.ref();
    this.#worker.postMessage({ type: 'close' });
    await exited;
  }
}
