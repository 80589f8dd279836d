import type { LoadedConfig } from '../config/load-config.js';
import type { ConfigurationReload, GatewayContext, ReloadOutcome } from './gateway-context.js';
import type { Logger } from './logger.js';
import { changedStartOnlySettings } from './start-only-settings.js';

export interface ConfigReloaderOptions {
  /** Reads and validates the configuration again (the same sources as at start-up); throws when it is bad. */
  load: () => LoadedConfig;
  /** Builds a context from it; `previous` lets unchanged backends keep their health and latency. */
  build: (loaded: LoadedConfig, reloader: ConfigReloader, previous: GatewayContext | undefined) => GatewayContext;
  logger: Logger;
}

/**
 * Atomic configuration reload. The new context is built completely (config validated, every backend, pool and
 * alias resolved) before it replaces the old one; on any error the old configuration stays and the reason is
 * returned. Requests already running keep the context they started with.
 */
export class ConfigReloader implements ConfigurationReload {
  #target: { readonly context: GatewayContext; setContext(context: GatewayContext): void } | undefined;

  constructor(private readonly options: ConfigReloaderOptions) {}

  /** The server whose context a reload replaces. */
  attach(target: { readonly context: GatewayContext; setContext(context: GatewayContext): void }): void {
    this.#target = target;
  }

  /** Builds the first context (so it carries this reloader). */
  build(loaded: LoadedConfig): GatewayContext {
    return this.options.build(loaded, this, undefined);
  }

  reload(): ReloadOutcome {
    const logger = this.#target?.context.logger ?? this.options.logger;
    let next: GatewayContext;
    let loaded: LoadedConfig;
    try {
      loaded = this.options.load();
      next = this.options.build(loaded, this, this.#target?.context);
    } catch (error) {
      const reason = (error as Error).message;
      logger.error({ reason }, 'configuration reload rejected; the previous configuration stays in force');
      return { ok: false, reason };
    }
    const running = this.#target?.context.config;
    const restartRequired = running === undefined ? [] : changedStartOnlySettings(running, next.config);
    this.#target?.setContext(next);
    const backends = next.router.listBackendNodes().map((node) => node.name);
    logger.info({ configFile: loaded.configFile, backends }, 'configuration reloaded');
    if (restartRequired.length > 0)
      logger.warn({ settings: restartRequired }, 'these changed settings apply only after a restart');
    return { ok: true, configFile: loaded.configFile, backends, restartRequired };
  }
}
