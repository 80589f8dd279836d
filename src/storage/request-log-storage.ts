/**
 * The request log on its own, for a gateway without billing (`BILLING_ENABLED=false`): the same database the
 * billing storage would use — Postgres with `databaseUrl`, else SQLite under `dataDir` — or memory when neither
 * is given, with its batching writer and retention. With billing on, `openStorage` opens the log beside the
 * keys and usage instead.
 */
import { join } from 'node:path';
import { BatchingWriter } from './batching-usage-writer.js';
import { type OpenStorageOptions, SQLITE_FILE_NAME } from './index.js';
import { MemoryRequestLog } from './memory/memory-request-log.js';
import { type RequestLog, type RequestLogRecord, validateRequestLogRecord } from './request-log.js';
import { RequestLogRetention } from './request-log-retention.js';
import { SqliteDatabase } from './sqlite/sqlite-database.js';
import { SqliteRequestLog } from './sqlite/sqlite-request-log.js';
import { silentLogger } from './storage-logger.js';

export interface RequestLogStorage {
  log: RequestLog;
  /** Batched, off-the-hot-path writer into `log`; flushed by `close()`. */
  writer: BatchingWriter<RequestLogRecord>;
  retention: RequestLogRetention;
  database: 'memory' | 'sqlite' | 'postgres';
  /** Stops pruning, flushes the writer, closes the database. */
  close(): Promise<void>;
}

export type RequestLogStorageOptions = Pick<
  OpenStorageOptions,
  'dataDir' | 'databaseUrl' | 'logger' | 'tablePrefix' | 'schema' | 'usageWriter' | 'requestLog' | 'now'
>;

export async function openRequestLogStorage(options: RequestLogStorageOptions): Promise<RequestLogStorage> {
  const logger = options.logger ?? silentLogger;
  let log: RequestLog;
  let database: RequestLogStorage['database'];
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    const { PostgresDatabase } = await import('./postgres/postgres-database.js');
    const { PostgresRequestLog } = await import('./postgres/postgres-request-log.js');
    const postgres = await PostgresDatabase.open({
      connectionString: options.databaseUrl,
      logger,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      ...(options.tablePrefix === undefined ? {} : { tablePrefix: options.tablePrefix }),
    });
    log = new PostgresRequestLog(postgres);
    database = 'postgres';
  } else if (options.dataDir !== undefined && options.dataDir !== '') {
    const sqlite = SqliteDatabase.open({
      file: join(options.dataDir, SQLITE_FILE_NAME),
      ...(options.tablePrefix === undefined ? {} : { tablePrefix: options.tablePrefix }),
    });
    log = new SqliteRequestLog(sqlite);
    database = 'sqlite';
  } else {
    log = new MemoryRequestLog();
    database = 'memory';
  }
  const writer = new BatchingWriter<RequestLogRecord>(
    log,
    { ...options.usageWriter, logger },
    validateRequestLogRecord,
    'request log',
  );
  const retention = new RequestLogRetention(log, {
    retentionMs: options.requestLog?.retentionMs ?? 0,
    logger,
    ...(options.requestLog?.pruneIntervalMs === undefined ? {} : { intervalMs: options.requestLog.pruneIntervalMs }),
    ...(options.requestLog?.pruneBatchSize === undefined ? {} : { batchSize: options.requestLog.pruneBatchSize }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  let closing: Promise<void> | undefined;
  return {
    log,
    writer,
    retention,
    database,
    close() {
      closing ??= (async () => {
        await retention.stop();
        await writer.close();
        await log.close();
      })();
      return closing;
    },
  };
}
