/**
 * Builds the observability stage a configuration asks for: the Prometheus registry (METRICS_ENABLED), the
 * request log (REQUEST_LOG_ENABLED) over the billing storage — or, with billing off, over storage of its own in
 * the same database — and tracing when the standard `OTEL_*` variables name an OTLP endpoint. Undefined when
 * all three are off, so the server skips the stage.
 */
import type { GatewayConfig } from '../../config/config-schema.js';
import type { CreditLeaseStats, LeasedCreditAccounts } from '../../storage/redis/leased-credit-accounts.js';
import type { RedisCounterStore } from '../../storage/redis/redis-counter-store.js';
import { openRequestLogStorage } from '../../storage/request-log-storage.js';
import type { StorageLogger } from '../../storage/storage-logger.js';
import type { GatewayBilling } from '../billing/gateway-billing.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { startTracing } from '../tracing/gateway-tracing.js';
import { GatewayObservability, type GatewayObservabilityOptions } from './gateway-observability.js';

export async function openGatewayObservability(
  config: Readonly<GatewayConfig>,
  env: Readonly<Record<string, string | undefined>>,
  billing?: GatewayBilling,
  logger?: StorageLogger,
): Promise<GatewayObservability | undefined> {
  const settings = config.observability;
  const storage = billing?.storage;
  const metrics = settings.metricsEnabled
    ? new GatewayMetrics({
        perKeyLabels: settings.metricsPerKey,
        maxModelLabels: settings.metricsMaxModels,
        knownModels: [
          ...Object.keys(config.models),
          ...config.backends.map((backend) => backend.name),
          ...config.routes.flatMap((route) =>
            (route as { name?: unknown }).name === undefined ? [] : [String((route as { name?: unknown }).name)],
          ),
        ],
      })
    : undefined;
  if (metrics !== undefined && storage !== undefined) {
    const counters = storage.counters as Partial<Pick<RedisCounterStore, 'stats'>>;
    // Only credit leases count these (a type import keeps the Redis modules out of a SQLite start).
    const leases = storage.credits as Partial<Pick<LeasedCreditAccounts, 'stats'>>;
    metrics.setSources({
      usageWriter: () => storage.usageWriter.metrics,
      ...(storage.backends.counters === 'redis' ? { redisFallbacks: () => counters.stats?.fallbacks ?? 0 } : {}),
      ...(leases.stats === undefined ? {} : { creditLeases: () => leases.stats as CreditLeaseStats }),
    });
    storage.usageWriter.onFlush = (event) => metrics.observeFlush('usage', event.durationMs / 1000, event.ok);
    storage.requestLogWriter.onFlush = (event) =>
      metrics.observeFlush('request_log', event.durationMs / 1000, event.ok);
  }
  let requestLog: GatewayObservabilityOptions['requestLog'];
  if (settings.requestLogEnabled && storage !== undefined) {
    requestLog = { writer: storage.requestLogWriter, log: storage.requestLog };
  } else if (settings.requestLogEnabled) {
    // Without billing the request log opens its own storage (the same database), closed with the stage.
    const own = await openRequestLogStorage({
      dataDir: config.dataDir,
      ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
      ...(config.billing.databaseSchema ? { schema: config.billing.databaseSchema } : {}),
      ...(logger === undefined ? {} : { logger }),
      requestLog: { retentionMs: settings.logRetentionMs },
    });
    if (metrics !== undefined)
      own.writer.onFlush = (event) => metrics.observeFlush('request_log', event.durationMs / 1000, event.ok);
    requestLog = { writer: own.writer, log: own.log, close: () => own.close() };
  }
  let tracing: Awaited<ReturnType<typeof startTracing>>;
  try {
    tracing = await startTracing(env);
  } catch (error) {
    await requestLog?.close?.();
    throw error;
  }
  if (metrics === undefined && requestLog === undefined && tracing === undefined) return undefined;
  return new GatewayObservability({ config: settings, metrics, tracing, requestLog });
}
