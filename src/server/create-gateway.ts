import type { LoadedConfig } from '../config/load-config.js';
import { ModelResolver } from '../router/model-resolver.js';
import type { ChatResult } from '../spec/chat.js';
import { VERSION } from '../version.js';
import type { GatewayContext } from './gateway-context.js';
import { createLogger, type Logger } from './logger.js';
import { TokenBucketLimiter } from './rate-limiter.js';
import { LruCache } from './response-cache.js';

/** Builds a request-handling context from a validated config; throws on a bad backend definition. */
export function buildGatewayContext(loaded: LoadedConfig, logger: Logger): GatewayContext {
  const { config, env } = loaded;
  const resolver = new ModelResolver({
    backends: config.backends,
    defaultBackend: config.defaultBackend,
    ollamaHost: config.ollamaHost,
    env,
    imageFetch: {
      allowPrivateAddresses: config.images.allowPrivateAddresses,
      maxBytes: config.images.maxBytes,
      timeoutMs: config.images.timeoutMs,
    },
  });
  return {
    config,
    env,
    logger,
    resolver,
    cache: config.cache.enabled ? new LruCache<ChatResult>(config.cache.maxEntries, config.cache.ttlMs) : undefined,
    limiter: new TokenBucketLimiter(
      config.rateLimitRps,
      config.rateLimitBurst ?? Math.max(1, Math.ceil(config.rateLimitRps * 2)),
    ),
    version: VERSION,
  };
}

export function createGatewayLogger(loaded: LoadedConfig, silent = false): Logger {
  return createLogger({ debug: loaded.config.debug, logFile: loaded.config.logFile, silent });
}
