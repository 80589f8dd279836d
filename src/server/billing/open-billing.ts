/**
 * Opens the billing storage a configuration names — Postgres with DATABASE_URL, else SQLite under
 * LLAMAGATE_DATA_DIR (./data by default); Redis counters with REDIS_URL, else in-process ones — and the
 * gateway's billing service over it. The CLI opens the same storage with the same settings (and so the same
 * key-hash secret, schema and prefixes) to administer keys without a running gateway.
 */
import type { GatewayConfig } from '../../config/config-schema.js';
import { openStorage, type Storage } from '../../storage/index.js';
import type { StorageLogger } from '../../storage/storage-logger.js';
import type { Logger } from '../logger.js';
import { GatewayBilling } from './gateway-billing.js';

export function openConfiguredStorage(config: Readonly<GatewayConfig>, logger?: StorageLogger): Promise<Storage> {
  const { billing } = config;
  return openStorage({
    dataDir: config.dataDir,
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
    ...(logger === undefined ? {} : { logger }),
    ...(billing.keyHashSecret ? { keyPepper: billing.keyHashSecret } : {}),
    ...(billing.databaseSchema ? { schema: billing.databaseSchema } : {}),
    ...(billing.redisKeyPrefix ? { redisKeyPrefix: billing.redisKeyPrefix } : {}),
    redisCommandTimeoutMs: billing.redisCommandTimeout,
    requestLog: { retentionMs: config.observability.logRetentionMs },
    leaseTtlMs: billing.leaseTtl,
    creditLeases: billing.creditLeases,
  });
}

/** The billing service for `createGatewayServer({ billing })`, or undefined when BILLING_ENABLED=false. */
export async function openGatewayBilling(
  config: Readonly<GatewayConfig>,
  logger: Logger,
): Promise<GatewayBilling | undefined> {
  if (!config.billing.enabled) return undefined;
  const storage = await openConfiguredStorage(config, logger);
  try {
    return await GatewayBilling.create({
      storage,
      logger,
      keyHashSecret: config.billing.keyHashSecret,
      keyCacheTtlMs: config.billing.keyCacheTtl,
      closeTimeoutMs: config.shutdownTimeoutMs,
    });
  } catch (error) {
    await storage.close();
    throw error;
  }
}
