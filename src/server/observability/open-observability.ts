/**
 * Builds the observability stage a configuration asks for: the Prometheus registry (METRICS_ENABLED), the
 * request log over the billing storage (REQUEST_LOG_ENABLED, needs billing), and tracing when the standard
 * `OTEL_*` variables name an OTLP endpoint. Undefined when all three are off, so the server skips the stage.
 */
import type { GatewayConfig } from '../../config/config-schema.js';
import type { RedisCounterStore } from '../../storage/redis/redis-counter-store.js';
import type { GatewayBilling } from '../billing/gateway-billing.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { startTracing } from '../tracing/gateway-tracing.js';
import { GatewayObservability } from './gateway-observability.js';

export async function openGatewayObservability(
  config: Readonly<GatewayConfig>,
  env: Readonly<Record<string, string | undefined>>,
  billing?: GatewayBilling,
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
    metrics.setSources({
      usageWriter: () => storage.usageWriter.metrics,
      ...(storage.backends.counters === 'redis' ? { redisFallbacks: () => counters.stats?.fallbacks ?? 0 } : {}),
    });
    storage.usageWriter.onFlush = (event) => metrics.observeFlush('usage', event.durationMs / 1000, event.ok);
    storage.requestLogWriter.onFlush = (event) =>
      metrics.observeFlush('request_log', event.durationMs / 1000, event.ok);
  }
  const requestLog =
    settings.requestLogEnabled && storage !== undefined
      ? { writer: storage.requestLogWriter, log: storage.requestLog }
      : undefined;
  const tracing = await startTracing(env);
  if (metrics === undefined && requestLog === undefined && tracing === undefined) return undefined;
  return new GatewayObservability({ config: settings, metrics, tracing, requestLog });
}
