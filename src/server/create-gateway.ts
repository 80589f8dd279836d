import type { GatewayConfig } from '../config/config-schema.js';
import type { LoadedConfig } from '../config/load-config.js';
import { syncMcpManager } from '../mcp/mcp-gateway.js';
import type { Backend } from '../router/backend.js';
import { Router } from '../router/router.js';
import type { ChatResult } from '../spec/chat.js';
import type { ChatCallWrapper } from '../spec/chat-call.js';
import { VERSION } from '../version.js';
import { priceTableFor, servedPriceKey } from './billing/price-lookup.js';
import type { ConfigReloader } from './config-reloader.js';
import type { GatewayContext } from './gateway-context.js';
import { createLogger, type Logger } from './logger.js';
import { TokenBucketLimiter } from './rate-limiter.js';
import { cacheGroupsByKey, LruCache } from './response-cache.js';
import { ResponsesState } from './responses-state.js';

export interface BuildContextOptions {
  reloader?: ConfigReloader;
  /** The context being replaced on reload: backends with unchanged settings keep their health and latency. */
  previous?: GatewayContext;
  /** Wrappers around every routed chat call (outermost first); a reload keeps the previous context's. */
  chatWrappers?: readonly ChatCallWrapper[];
}

/** Builds a request-handling context from a validated config; throws on a bad backend, pool, alias or route. */
export function buildGatewayContext(
  loaded: LoadedConfig,
  logger: Logger,
  options: BuildContextOptions = {},
): GatewayContext {
  const { config, env } = loaded;
  const mcp = syncMcpManager(config.mcp, options.previous?.mcp, logger);
  const router = new Router({
    config: {
      backends: config.backends,
      defaultBackend: config.defaultBackend,
      ollamaHost: config.ollamaHost,
      routes: config.routes,
      models: config.models,
      routing: config.routing,
      timeoutMs: config.timeoutMs,
      healthCheckIntervalMs: config.healthCheckIntervalMs,
    },
    env,
    imageFetch: {
      allowPrivateAddresses: config.images.allowPrivateAddresses,
      maxBytes: config.images.maxBytes,
      timeoutMs: config.images.timeoutMs,
    },
    price: costLookup(config),
    previous: options.previous?.router,
    logger,
  });
  return {
    config,
    env,
    logger,
    resolver: router.resolver,
    router,
    reloader: options.reloader,
    cache: config.cache.enabled ? new LruCache<ChatResult>(config.cache.maxEntries, config.cache.ttlMs) : undefined,
    cacheGroups: cacheGroupsByKey(config.cache.groups),
    limiter: new TokenBucketLimiter(
      config.rateLimitRps,
      config.rateLimitBurst ?? Math.max(1, Math.ceil(config.rateLimitRps * 2)),
    ),
    version: VERSION,
    responses: options.previous?.responses ?? ResponsesState.fromConfig(config, logger),
    chatWrappers: mcp.withToolLoop(options.chatWrappers ?? options.previous?.chatWrappers ?? []),
    mcp: mcp.manager,
  };
}

/**
 * The `cost` strategy's price: input + output micro-dollars per 1M tokens from billing's price table of this
 * configuration (configured `prices:` over the shipped defaults), looked up by the key billing charges the
 * served model by (`servedPriceKey`: the backend's name when the table prices it, else its type). Unpriced
 * models rank last.
 */
function costLookup(config: Readonly<GatewayConfig>): (backend: Backend, modelId: string) => number | undefined {
  return (backend, modelId) => {
    const table = priceTableFor(config);
    const key = servedPriceKey(table, { backend, modelId });
    const match = key === undefined ? undefined : table.lookup(key);
    return match === undefined ? undefined : match.price.input + match.price.output;
  };
}

export function createGatewayLogger(loaded: LoadedConfig, silent = false): Logger {
  return createLogger({ debug: loaded.config.debug, logFile: loaded.config.logFile, silent });
}
