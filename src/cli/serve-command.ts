import { ConfigError, type LoadConfigOptions, loadConfig, redactConfig } from '../config/load-config.js';
import { buildGatewayContext, createGatewayLogger } from '../server/create-gateway.js';
import { createGatewayServer } from '../server/gateway-server.js';

/** `llamagate serve`: load config, listen, reload on SIGHUP, drain on SIGINT/SIGTERM. Returns the exit code. */
export async function serveCommand(options: LoadConfigOptions): Promise<number> {
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(options);
  } catch (error) {
    process.stderr.write(`llamagate: ${(error as Error).message}\n`);
    return 1;
  }
  const logger = createGatewayLogger(loaded);
  let gateway: ReturnType<typeof createGatewayServer>;
  try {
    gateway = createGatewayServer(buildGatewayContext(loaded, logger));
  } catch (error) {
    process.stderr.write(`llamagate: ${(error as Error).message}\n`);
    return 1;
  }
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
      },
      'LlamaGate listening',
    );
    logger.debug({ config: redactConfig(loaded.config) }, 'effective configuration');
  } catch (error) {
    process.stderr.write(`llamagate: ${(error as Error).message}\n`);
    return 1;
  }

  const reload = () => {
    try {
      const next = loadConfig(options);
      gateway.setContext(buildGatewayContext(next, logger));
      logger.info({ configFile: next.configFile }, 'configuration reloaded');
    } catch (error) {
      const reason = error instanceof ConfigError ? error.message : (error as Error).message;
      logger.error({ reason }, 'configuration reload rejected; the previous configuration stays in force');
    }
  };
  process.on('SIGHUP', reload);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
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
