/** In-memory request log for a gateway without a database (and tests); bounded, oldest entries evicted. */
import {
  clampPageSize,
  compareNewestFirst,
  decodeCursor,
  matchesFilter,
  pageOf,
  type RequestLog,
  type RequestLogPage,
  type RequestLogQuery,
  type RequestLogRecord,
  validateRequestLogRecord,
} from '../request-log.js';

export class MemoryRequestLog implements RequestLog {
  readonly #records = new Map<string, RequestLogRecord>();
  readonly #maxRecords: number;

  constructor(options: { maxRecords?: number } = {}) {
    this.#maxRecords = options.maxRecords ?? 10_000;
  }

  async append(records: readonly RequestLogRecord[]): Promise<number> {
    for (const record of records) validateRequestLogRecord(record);
    let inserted = 0;
    for (const record of records) {
      if (this.#records.has(record.id)) continue;
      this.#records.set(record.id, structuredClone(record));
      inserted++;
    }
    // Map order is insertion order: the first entries are the oldest written.
    for (const id of this.#records.keys()) {
      if (this.#records.size <= this.#maxRecords) break;
      this.#records.delete(id);
    }
    return inserted;
  }

  async list(query: RequestLogQuery = {}): Promise<RequestLogPage> {
    const limit = clampPageSize(query.limit);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = [...this.#records.values()]
      .filter((record) => matchesFilter(record, query))
      .filter((record) => cursor === undefined || compareNewestFirst(cursor, record) < 0)
      .sort(compareNewestFirst)
      .slice(0, limit + 1)
      .map((record) => ({ ...structuredClone(record), requestBody: null, responseBody: null }));
    return pageOf(rows, limit);
  }

  async get(id: string, scope?: { keyId: string | null }): Promise<RequestLogRecord | undefined> {
    const record = this.#records.get(id);
    if (record === undefined || (scope !== undefined && record.keyId !== scope.keyId)) return undefined;
    return structuredClone(record);
  }

  async prune(before: number, limit: number): Promise<number> {
    const old = [...this.#records.values()]
      .filter((record) => record.time < before)
      .sort((a, b) => a.time - b.time)
      .slice(0, limit);
    for (const record of old) this.#records.delete(record.id);
    return old.length;
  }

  async close(): Promise<void> {}
}
