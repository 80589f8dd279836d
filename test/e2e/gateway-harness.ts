/**
 * Starts the real gateway (config loading, HTTP server, providers) on a free port for end-to-end tests,
 * with log lines captured in memory, and an official `openai` client pointed at it.
 */
import { Writable } from 'node:stream';
import OpenAI from 'openai';
import { loadConfig } from '../../src/config/load-config.js';
import { ConfigReloader } from '../../src/server/config-reloader.js';
import { buildGatewayContext } from '../../src/server/create-gateway.js';
import { createGatewayServer, type GatewayServer, type GatewayServerOptions } from '../../src/server/gateway-server.js';
import { createLogger } from '../../src/server/logger.js';
import { openGatewayObservability } from '../../src/server/observability/open-observability.js';
import type { ChatCallWrapper } from '../../src/spec/chat-call.js';

export interface HarnessOptions {
  /** Environment variables as the gateway sees them (nothing from the real environment leaks in). */
  env?: Record<string, string>;
  /** YAML config file path. */
  configFile?: string;
  server?: GatewayServerOptions;
  /** Metrics (and whatever else the environment turns on of observability), as `llamagate serve` opens them. */
  observe?: boolean;
  /** Wrappers around every routed chat call, as a feature (the MCP tool loop) registers them. */
  chatWrappers?: readonly ChatCallWrapper[];
}

export interface Harness {
  url: string;
  baseURL: string;
  gateway: GatewayServer;
  logs: Record<string, unknown>[];
  client(apiKey?: string, options?: Partial<ConstructorParameters<typeof OpenAI>[0]>): OpenAI;
  close(): Promise<void>;
}

export async function startGateway(options: HarnessOptions = {}): Promise<Harness> {
  const env = { RATE_LIMIT_RPS: '1000', ...options.env };
  const load = () =>
    loadConfig({
      env,
      dotenvFile: false,
      configFile: options.configFile,
      flags: { port: 0, host: '127.0.0.1' },
    });
  const loaded = load();
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = createLogger({ debug: loaded.config.debug, destination });
  // Reloads (POST /admin/reload) read the same file and environment again, as `llamagate serve` does.
  const reloader = new ConfigReloader({
    load,
    build: (next, self, previous) =>
      buildGatewayContext(next, logger, {
        reloader: self,
        previous,
        ...(options.chatWrappers === undefined ? {} : { chatWrappers: options.chatWrappers }),
      }),
    logger,
  });
  const server = options.observe
    ? { ...options.server, observability: await openGatewayObservability(loaded.config, env) }
    : options.server;
  const gateway = createGatewayServer(reloader.build(loaded), server);
  reloader.attach(gateway);
  const address = await gateway.listen();
  const url = `http://127.0.0.1:${address.port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    gateway,
    logs,
    client: (apiKey = 'unused', overrides = {}) =>
      new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0, timeout: 15_000, ...overrides }),
    close: () => gateway.close(),
  };
}
