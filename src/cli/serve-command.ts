import { rmSync, writeFileSync } from 'node:fs';
import { type LoadConfigOptions, type LoadedConfig, loadConfig, redactConfig } from '../config/load-config.js';
import { openGatewayBilling } from '../server/billing/open-billing.js';
import { ConfigReloader } from '../server/config-reloader.js';
import { buildGatewayContext, createGatewayLogger } from '../server/create-gateway.js';
import { createGatewayServer } from '../server/gateway-server.js';
import type { Logger } from '../server/logger.js';
import { openGatewayObservability } from '../server/observability/open-observability.js';
import { checkOllamaAtStartup } from './ollama-startup.js';
import { applyServerV8Tuning } from './v8-tuning.js';

/** Whether Ollama serves anything here: it is the default backend, or a backend of type ollama. */
function usesOllama(config: ReturnType<typeof loadConfig>['config']): boolean {
  const named = config.backends.find((backend) => backend.name === config.defaultBackend);
  return (
    (named === undefined && config.defaultBackend === 'ollama') ||
    config.backends.some((backend) => backend.type === 'ollama')
  );
}

export interface ServeOptions extends LoadConfigOptions {
  /** Where to write the process id (for `llamagate reload --pid-file`); removed on exit. */
  pidFile?: string;
}

export interface ServedGateway {
  gateway: ReturnType<typeof createGatewayServer>;
  billing: Awaited<ReturnType<typeof openGatewayBilling>>;
  reloader: ConfigReloader;
}

/**
 * The gateway `serve` runs, not yet listening: its configuration reloader, billing storage and observability
 * (also started this way, several in one process, by `bench/gateways-in-one-process.ts`). Throws with a message
 * for the operator; the billing storage is closed again when a later step fails.
 */
export async function openServedGateway(
  loaded: LoadedConfig,
  options: LoadConfigOptions,
  logger: Logger,
): Promise<ServedGateway> {
  const reloader = new ConfigReloader({
    load: () => loadConfig(options),
    build: (next, self, previous) => buildGatewayContext(next, logger, { reloader: self, previous }),
    logger,
  });
  // Keys, credits and usage: SQLite under LLAMAGATE_DATA_DIR unless DATABASE_URL; closed with the server.
  let billing: ServedGateway['billing'];
  try {
    billing = await openGatewayBilling(loaded.config, logger);
  } catch (error) {
    throw new Error(`cannot open the billing storage: ${(error as Error).message}`);
  }
  try {
    // Metrics, the request log and (with OTEL_EXPORTER_OTLP_ENDPOINT) tracing; closed with the server.
    const observability = await openGatewayObservability(loaded.config, loaded.env, billing, logger);
    const gateway = createGatewayServer(reloader.build(loaded), {
      ...(billing === undefined ? {} : { billing }),
      ...(observability === undefined ? {} : { observability }),
    });
    reloader.attach(gateway);
    return { gateway, billing, reloader };
  } catch (error) {
    await billing?.close();
    throw error;
  }
}

/** `llamagate serve`: load config, listen, reload on SIGHUP, drain on SIGINT/SIGTERM. Returns the exit code. */
export async function serveCommand(options: ServeOptions): Promise<number> {
  applyServerV8Tuning();
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(options);
  } catch (error) {
    process.stderr.write(`llamagate: ${(error as Error).message}\n`);
    return 1;
  }
  const logger = createGatewayLogger(loaded);
  let served: ServedGateway;
  try {
    served = await openServedGateway(loaded, options, logger);
  } catch (error) {
    process.stderr.write(`llamagate: ${(error as Error).message}\n`);
    return 1;
  }
  const { gateway, billing, reloader } = served;
  try {
    const address = await gateway.listen();
    logger.info(
      {
        port: address.port,
        host: address.address,
        tls: loaded.config.tls.enabled,
        defaultBackend: loaded.config.defaultBackend,
        configFile: loaded.configFile,
        ollamaHost: loaded.config.ollamaHost,
        billing: billing === undefined ? false : billing.storage.backends,
      },
      'LlamaGate listening',
    );
    if (listensBeyondLoopback(address.address) && !loaded.config.apiKey && !loaded.config.masterKey) {
      logger.warn(
        { host: address.address },
        'No API_KEY or LLAMAGATE_MASTER_KEY is set and the gateway listens beyond loopback: anyone who can reach it may call models',
      );
    }
    logger.debug({ config: redactConfig(loaded.config) }, 'effective configuration');
    for (const line of loaded.importReport ?? [])
      logger.warn({ configFile: loaded.configFile }, `LiteLLM config: ${line}`);
    if (usesOllama(loaded.config))
      void checkOllamaAtStartup({ ollamaHost: loaded.config.ollamaHost, env: loaded.env, logger });
  } catch (error) {
    await billing?.close();
    process.stderr.write(`llamagate: ${(error as Error).message}\n`);
    return 1;
  }

  if (options.pidFile !== undefined) writeFileSync(options.pidFile, `${process.pid}\n`);
  const reload = () => {
    reloader.reload();
  };
  process.on('SIGHUP', reload);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.off('SIGHUP', reload);
      if (options.pidFile !== undefined) rmSync(options.pidFile, { force: true });
      logger.info({ signal, inFlight: gateway.inFlight }, 'shutting down');
      gateway
        .close()
        .then(() => {
          logger.info('stopped');
          logger.flush();
          resolve(0);
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          logger.flush();
          resolve(1);
        });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/** Whether a listening address accepts connections from other machines (a wildcard or a routable address). */
export function listensBeyondLoopback(address: string): boolean {
  return !(
    address === '::1' ||
    address.startsWith('127.') ||
    address === '::ffff:127.0.0.1' ||
    address === 'localhost'
  );
}
