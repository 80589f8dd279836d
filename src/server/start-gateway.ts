/**
 * The gateway embedded in another Node program: config loading (YAML, environment, `.env`), billing storage,
 * observability (metrics, request log, tracing) and the HTTP server in one call, with `POST /admin/reload`
 * re-reading the same sources.
 */
import { type LoadConfigOptions, type LoadedConfig, loadConfig } from '../config/load-config.js';
import type { GatewayBilling } from './billing/gateway-billing.js';
import { openGatewayBilling } from './billing/open-billing.js';
import { ConfigReloader } from './config-reloader.js';
import { buildGatewayContext, createGatewayLogger } from './create-gateway.js';
import { createGatewayServer, type GatewayServer } from './gateway-server.js';
import type { Logger } from './logger.js';
import type { GatewayObservability } from './observability/gateway-observability.js';
import { openGatewayObservability } from './observability/open-observability.js';

export interface StartGatewayOptions extends LoadConfigOptions {
  /** Port to listen on (default: the configured `port`; 0 picks a free one). */
  port?: number;
  /** Interface to bind (default: the configured `host`). */
  host?: string;
  /** A logger of your own (default: the configured pino logger). */
  logger?: Logger;
}

export interface RunningGateway {
  /** `http://<host>:<port>` (append `/v1` for OpenAI clients). */
  url: string;
  port: number;
  config: LoadedConfig;
  server: GatewayServer;
  /** The key/credit/usage storage, when billing is enabled. */
  billing: GatewayBilling | undefined;
  /** `/metrics`, the request log and tracing, unless all three are turned off. */
  observability: GatewayObservability | undefined;
  /** Stops accepting, drains in-flight requests, then closes the billing storage and observability. */
  close(): Promise<void>;
}

/**
 * Loads the configuration, opens billing and observability as `llamagate serve` does, starts the server and
 * resolves once it listens.
 *
 * @example
 * const gateway = await startGateway({ configFile: 'llamagate.yaml', port: 0 });
 * console.log(`OpenAI clients: ${gateway.url}/v1`);
 * await gateway.close();
 */
export async function startGateway(options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const { port, host, logger: givenLogger, ...configOptions } = options;
  const flags: Record<string, unknown> = { ...configOptions.flags };
  if (port !== undefined) flags.port = port;
  if (host !== undefined) flags.host = host;
  const load = () => loadConfig({ ...configOptions, flags });
  const loaded = load();
  const logger = givenLogger ?? createGatewayLogger(loaded);
  const reloader = new ConfigReloader({
    load,
    build: (next, self, previous) => buildGatewayContext(next, logger, { reloader: self, previous }),
    logger,
  });
  const billing = await openGatewayBilling(loaded.config, logger);
  let observability: GatewayObservability | undefined;
  let server: GatewayServer | undefined;
  try {
    observability = await openGatewayObservability(loaded.config, loaded.env, billing, logger);
    server = createGatewayServer(reloader.build(loaded), {
      ...(billing === undefined ? {} : { billing }),
      ...(observability === undefined ? {} : { observability }),
    });
    reloader.attach(server);
    const address = await server.listen();
    const running = server;
    const shownHost = address.address.includes(':') ? `[${address.address}]` : address.address;
    const scheme = loaded.config.tls.enabled ? 'https' : 'http';
    return {
      url: `${scheme}://${shownHost}:${address.port}`,
      port: address.port,
      config: loaded,
      server: running,
      billing,
      observability,
      async close() {
        try {
          // Also closes billing and observability, after the requests in flight wrote their records.
          await running.close();
        } finally {
          await billing?.close();
        }
      },
    };
  } catch (error) {
    // A server that failed to listen (or to open METRICS_PORT) still holds the router, MCP and observability.
    if (server !== undefined) await server.close();
    else await observability?.close();
    await billing?.close();
    throw error;
  }
}
