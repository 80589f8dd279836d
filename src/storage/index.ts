/**
 * Storage for the credit-billed gateway: API keys with credits and budgets, the usage ledger, and rate-limit
 * counters. `openStorage` picks the backends from configuration:
 * - keys + usage: Postgres with `databaseUrl`, else SQLite under `dataDir`, else memory;
 * - counters: Redis with `redisUrl` (degrading to per-process limits while it is down), else memory.
 *
 * @example
 * const storage = await openStorage({ dataDir: './data', redisUrl: process.env.REDIS_URL });
 * const { key, plaintext } = await storage.keys.create({ name: 'alice', credits: parseDollars('5') });
 * await storage.close();
 */
import { join } from 'node:path';
import { createApiKeyHasher } from './api-keys.js';
import { BatchingUsageWriter, type BatchingUsageWriterOptions, BatchingWriter } from './batching-usage-writer.js';
import type { CounterStore } from './counter-store.js';
import { type CreditAccounts, StoreCreditAccounts } from './credit-accounts.js';
import type { KeyStore } from './key-store.js';
import { LeaseKeeper } from './lease-keeper.js';
import { LocalCreditAccounts } from './local-credit-accounts.js';
import { MemoryCounterStore } from './memory/memory-counter-store.js';
import { MemoryKeyStore } from './memory/memory-key-store.js';
import { MemoryRequestLog } from './memory/memory-request-log.js';
import { MemoryToolCallLedger } from './memory/memory-tool-call-ledger.js';
import { MemoryUsageLedger } from './memory/memory-usage-ledger.js';
import type { RedisCounterStore } from './redis/redis-counter-store.js';
import { type RequestLog, type RequestLogRecord, validateRequestLogRecord } from './request-log.js';
import { RequestLogRetention } from './request-log-retention.js';
import { SqliteDatabase } from './sqlite/sqlite-database.js';
import { SqliteKeyStore } from './sqlite/sqlite-key-store.js';
import { SqliteRequestLog } from './sqlite/sqlite-request-log.js';
import { SqliteToolCallLedger } from './sqlite/sqlite-tool-call-ledger.js';
import { SqliteUsageLedger } from './sqlite/sqlite-usage-ledger.js';
import { type StorageLogger, silentLogger } from './storage-logger.js';
import { type ToolCallLedger, type ToolCallUsageRecord, validateToolCallRecord } from './tool-call-ledger.js';
import type { UsageLedger, UsageRecord } from './usage-ledger.js';

export interface OpenStorageOptions {
  /** Directory of the SQLite database (`<dataDir>/llamagate.db`), used when there is no `databaseUrl`. */
  dataDir?: string;
  /** Postgres connection string (`DATABASE_URL`); wins over `dataDir`. */
  databaseUrl?: string;
  /** Redis connection string (`REDIS_URL`) for shared counters and key-cache invalidation. */
  redisUrl?: string;
  logger?: StorageLogger;
  /** Server secret mixed into key hashes (HMAC-SHA-256). Changing it invalidates every existing key. */
  keyPepper?: string;
  /** Table-name prefix (SQLite and Postgres). Default 'lg_'. */
  tablePrefix?: string;
  /** Postgres schema. Default 'public'. */
  schema?: string;
  /** Redis key prefix. Default 'llamagate:'. */
  redisKeyPrefix?: string;
  /** A Redis command slower than this counts as an outage for that call. Default 250 ms. */
  redisCommandTimeoutMs?: number;
  usageWriter?: Omit<BatchingUsageWriterOptions, 'logger'>;
  reservationTtlMs?: number;
  /**
   * Lifetime of a request's credit hold and parallel slot unless renewed (the lease heartbeat renews live ones
   * every third of it and releases expired holds). Default 15 s.
   */
  leaseTtlMs?: number;
  /**
   * SQLite: how often the keys in use are re-read, so credits and revocations written by another process (the
   * CLI) apply within it. Default 500 ms.
   */
  creditRefreshMs?: number;
  /**
   * Postgres + Redis: admit holds against per-process slices of a key's credits (decision 0025); false: one
   * Redis script per hold. Default true.
   */
  creditLeases?: boolean;
  /** 0 turns off releasing expired holds (the heartbeat still renews); any other value keeps it on. */
  reservationSweepMs?: number;
  /** Request-log retention (`LOG_RETENTION`, ms; 0 keeps everything) and pruning cadence. */
  requestLog?: { retentionMs?: number; pruneIntervalMs?: number; pruneBatchSize?: number };
  /** Clock in epoch ms (tests). */
  now?: () => number;
}

export interface Storage {
  keys: KeyStore;
  /** Credit holds on the request path (in memory on SQLite, the key store's statements elsewhere). */
  credits: CreditAccounts;
  usage: UsageLedger;
  /** Batched, off-the-hot-path writer into `usage`; flushed by `close()`. */
  usageWriter: BatchingUsageWriter;
  counters: CounterStore;
  /** Per-request rows with the attempt trail and captured bodies (see request-log.ts). */
  requestLog: RequestLog;
  /** Batched writer into `requestLog`; flushed by `close()`. */
  requestLogWriter: BatchingWriter<RequestLogRecord>;
  /** Renews the live credit holds and parallel slots of this process's requests (one timer). */
  leases: LeaseKeeper;
  /** One row per MCP tool call (see tool-call-ledger.ts). */
  toolCalls: ToolCallLedger;
  /** Batched writer into `toolCalls`; flushed by `close()`. */
  toolCallWriter: BatchingWriter<ToolCallUsageRecord>;
  /** Prunes `requestLog` past its retention in the background; `prune()` runs a pass now. */
  requestLogRetention: RequestLogRetention;
  backends: { database: 'memory' | 'sqlite' | 'postgres'; counters: 'memory' | 'redis' };
  /** Flushes the usage writer, then closes every connection. */
  close(): Promise<void>;
}

export const SQLITE_FILE_NAME = 'llamagate.db';

export async function openStorage(options: OpenStorageOptions = {}): Promise<Storage> {
  const logger = options.logger ?? silentLogger;
  const keyOptions = {
    hasher: createApiKeyHasher(options.keyPepper),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.reservationTtlMs === undefined ? {} : { reservationTtlMs: options.reservationTtlMs }),
  };
  let keys: KeyStore;
  let usage: UsageLedger;
  let requestLog: RequestLog;
  let toolCalls: ToolCallLedger;
  let database: Storage['backends']['database'];
  if (options.databaseUrl !== undefined && options.databaseUrl !== '') {
    // Postgres and Redis code (and their client libraries) load only when configured: start-up time.
    const { PostgresDatabase } = await import('./postgres/postgres-database.js');
    const { PostgresKeyStore } = await import('./postgres/postgres-key-store.js');
    const { PostgresUsageLedger } = await import('./postgres/postgres-usage-ledger.js');
    const { PostgresRequestLog } = await import('./postgres/postgres-request-log.js');
    const { PostgresToolCallLedger } = await import('./postgres/postgres-tool-call-ledger.js');
    const postgres = await PostgresDatabase.open({
      connectionString: options.databaseUrl,
      logger,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
      ...(options.tablePrefix === undefined ? {} : { tablePrefix: options.tablePrefix }),
    });
    keys = new PostgresKeyStore(postgres, keyOptions);
    usage = new PostgresUsageLedger(postgres);
    requestLog = new PostgresRequestLog(postgres);
    toolCalls = new PostgresToolCallLedger(postgres);
    database = 'postgres';
  } else if (options.dataDir !== undefined && options.dataDir !== '') {
    const sqlite = SqliteDatabase.open({
      file: join(options.dataDir, SQLITE_FILE_NAME),
      ...(options.tablePrefix === undefined ? {} : { tablePrefix: options.tablePrefix }),
    });
    keys = new SqliteKeyStore(sqlite, keyOptions);
    usage = new SqliteUsageLedger(sqlite);
    requestLog = new SqliteRequestLog(sqlite);
    toolCalls = new SqliteToolCallLedger(sqlite);
    database = 'sqlite';
  } else {
    keys = new MemoryKeyStore(keyOptions);
    usage = new MemoryUsageLedger();
    requestLog = new MemoryRequestLog();
    toolCalls = new MemoryToolCallLedger();
    database = 'memory';
  }

  let counters: CounterStore;
  try {
    counters =
      options.redisUrl !== undefined && options.redisUrl !== ''
        ? await (await import('./redis/redis-counter-store.js')).RedisCounterStore.connect({
            url: options.redisUrl,
            logger,
            ...(options.redisKeyPrefix === undefined ? {} : { keyPrefix: options.redisKeyPrefix }),
            ...(options.redisCommandTimeoutMs === undefined ? {} : { commandTimeoutMs: options.redisCommandTimeoutMs }),
            ...(options.now === undefined ? {} : { now: options.now }),
          })
        : new MemoryCounterStore(options.now === undefined ? {} : { now: options.now });
  } catch (error) {
    await Promise.all([keys.close(), usage.close(), requestLog.close(), toolCalls.close()]);
    throw error;
  }

  // One gateway process owns a SQLite file: its holds live in memory. Processes sharing Postgres share holds in
  // Redis when they have it. Either way a charge lands with its usage row; Postgres alone keeps holds in rows.
  const accountOptions = {
    keys,
    logger,
    ...(options.creditRefreshMs === undefined ? {} : { refreshIntervalMs: options.creditRefreshMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  };
  let credits: CreditAccounts;
  /** Where the lease heartbeat renews holds. */
  let holds: Pick<KeyStore, 'renewReservations' | 'releaseExpiredReservations'> = keys;
  /** Credit leases: sends the charges settled since the last call to Redis (decision 0025). */
  let reportCharges: (() => Promise<void>) | undefined;
  if (database === 'sqlite') credits = new LocalCreditAccounts(accountOptions);
  else if (database === 'postgres' && counters.kind === 'redis' && options.creditLeases !== false) {
    const { LeasedCreditAccounts } = await import('./redis/leased-credit-accounts.js');
    const shared = new LeasedCreditAccounts({
      ...accountOptions,
      redis: counters as RedisCounterStore,
      ...(options.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.leaseTtlMs }),
    });
    credits = shared;
    holds = shared;
    reportCharges = () => shared.reportCharges();
  } else if (database === 'postgres' && counters.kind === 'redis') {
    const { RedisCreditAccounts } = await import('./redis/redis-credit-accounts.js');
    const shared = new RedisCreditAccounts({ ...accountOptions, redis: counters as RedisCounterStore });
    credits = shared;
    holds = shared;
  } else credits = new StoreCreditAccounts(keys);
  // Leased credit accounts report their charges to Redis before the rows that carry them reach the database.
  const usageSink =
    reportCharges === undefined
      ? usage
      : {
          async append(records: readonly UsageRecord[]): Promise<number> {
            await reportCharges();
            return usage.append(records);
          },
        };
  const usageWriter = new BatchingUsageWriter(usageSink, { ...options.usageWriter, logger });
  const requestLogWriter = new BatchingWriter<RequestLogRecord>(
    requestLog,
    { ...options.usageWriter, logger },
    validateRequestLogRecord,
    'request log',
  );
  const toolCallWriter = new BatchingWriter<ToolCallUsageRecord>(
    toolCalls,
    { ...options.usageWriter, logger },
    validateToolCallRecord,
    'tool-call ledger',
  );
  const requestLogRetention = new RequestLogRetention(requestLog, {
    retentionMs: options.requestLog?.retentionMs ?? 0,
    logger,
    ...(options.requestLog?.pruneIntervalMs === undefined ? {} : { intervalMs: options.requestLog.pruneIntervalMs }),
    ...(options.requestLog?.pruneBatchSize === undefined ? {} : { batchSize: options.requestLog.pruneBatchSize }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const leases = new LeaseKeeper({
    keys: holds,
    counters,
    logger,
    sweep: options.reservationSweepMs !== 0,
    ...(options.leaseTtlMs === undefined ? {} : { ttlMs: options.leaseTtlMs }),
  });
  leases.start();

  let closing: Promise<void> | undefined;
  return {
    keys,
    credits,
    usage,
    usageWriter,
    counters,
    requestLog,
    requestLogWriter,
    requestLogRetention,
    leases,
    toolCalls,
    toolCallWriter,
    backends: { database, counters: counters.kind },
    close() {
      closing ??= (async () => {
        await leases.stop();
        await requestLogRetention.stop();
        await Promise.all([usageWriter.close(), requestLogWriter.close(), toolCallWriter.close()]);
        await credits.close();
        await Promise.all([keys.close(), usage.close(), requestLog.close(), toolCalls.close(), counters.close()]);
      })();
      return closing;
    },
  };
}

export {
  API_KEY_PREFIX,
  type ApiKeyHasher,
  apiKeyDisplayPrefix,
  createApiKeyHasher,
  generateApiKey,
  hashApiKey,
  isApiKeyFormat,
} from './api-keys.js';
export {
  BatchingUsageWriter,
  type BatchingUsageWriterOptions,
  BatchingWriter,
  type BatchSink,
  type UsageDropEvent,
  type UsageWriterMetrics,
} from './batching-usage-writer.js';
export type {
  AcquireSlotOptions,
  ConsumeRequest,
  CounterStore,
  InvalidationListener,
  RateDecision,
  SlotLease,
} from './counter-store.js';
export type { CreditEntryKind, CreditHistoryOptions, CreditLedgerEntry } from './credit-ledger.js';
export { budgetPeriodStart, keyUnusableReason, reserveFailureError } from './key-rules.js';
export type {
  ApiKeyRecord,
  BudgetPeriod,
  CreatedKey,
  CreateKeyInput,
  KeyBudget,
  KeyPatch,
  KeyStore,
  KeyStoreOptions,
  ListKeysOptions,
  Reservation,
  ReserveFailureReason,
  ReserveOptions,
  ReserveResult,
  SettleOptions,
  SettleResult,
} from './key-store.js';
export { DEFAULT_LEASE_TTL_MS, LeaseKeeper, type LeaseKeeperOptions } from './lease-keeper.js';
export { MemoryCounterStore } from './memory/memory-counter-store.js';
export { MemoryKeyStore } from './memory/memory-key-store.js';
export { MemoryRequestLog } from './memory/memory-request-log.js';
export { MemoryUsageLedger } from './memory/memory-usage-ledger.js';
export {
  clampPageSize,
  decodeCursor,
  encodeCursor,
  type RequestAttempt,
  type RequestLog,
  type RequestLogFilter,
  type RequestLogPage,
  type RequestLogQuery,
  type RequestLogRecord,
  type RequestLogUsage,
  type StatusFilter,
} from './request-log.js';
export { RequestLogRetention, type RequestLogRetentionOptions } from './request-log-retention.js';
export { SqliteDatabase, type SqliteDatabaseOptions } from './sqlite/sqlite-database.js';
export { SqliteKeyStore } from './sqlite/sqlite-key-store.js';
export { SqliteRequestLog } from './sqlite/sqlite-request-log.js';
export { SqliteUsageLedger } from './sqlite/sqlite-usage-ledger.js';
export type { StorageLogger } from './storage-logger.js';
export {
  type KeyUsageReport,
  keyUsageReport,
  type UsageFilter,
  type UsageGroupBy,
  type UsageLedger,
  type UsageListOptions,
  type UsageRecord,
  type UsageSummaryRow,
  type UsageTotals,
} from './usage-ledger.js';
