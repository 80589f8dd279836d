/**
 * The billed virtual-key gateway the billed-path benchmarks start: `llamagate serve` of a built checkout with a
 * price for `bench-model`, the master key `m`, and SQLite or (MODE=pg) Postgres + Redis at the usual local URLs
 * in a schema and key prefix of its own; and one funded virtual key on it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dropServiceState } from '../src/storage/testing/service-cleanup.js';
import { NODE_FLAGS, type Server, startProcess, stopServer } from './harness.js';

export type BilledMode = 'sqlite' | 'pg';

/** The master key of every billed gateway a benchmark starts. */
export const BILLED_MASTER_KEY = 'm';

/** Writes the gateway configuration (the price of `bench-model`) into `directory`; returns its path. */
export function writeBilledConfig(directory: string): string {
  const config = join(directory, 'billed.yaml');
  writeFileSync(config, "prices:\n  bench-model: { input: '0.10', output: '0.20' }\n");
  return config;
}

/** The Postgres database MODE=pg gateways bill in. */
const BILLED_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';
/** The Redis MODE=pg gateways keep holds and balances in. */
const BILLED_REDIS_URL = 'redis://127.0.0.1:6379';

/** The schema (and Redis key prefix) each MODE=pg gateway made for itself, dropped by {@link stopBilledGateway}. */
const postgresSchemas = new WeakMap<Server, string>();

/**
 * Starts `main` (a built `dist/cli/main.js`) in front of the Ollama mock at `upstreamUrl`; stop it with
 * {@link stopBilledGateway}.
 */
export async function startBilledGateway(options: {
  name: string;
  main: string;
  mode: BilledMode;
  upstreamUrl: string;
  config: string;
  dataDirectory: string;
  /** MODE=pg: per-process credit slices (`BILLING_CREDIT_LEASES`, decision 0025). */
  creditLeases?: boolean;
}): Promise<Server> {
  const schema = options.name.replace(/[^a-z0-9_]/gi, '_');
  const env: Record<string, string | undefined> = {
    RATE_LIMIT_RPS: '1000000',
    CACHE_ENABLED: 'false',
    OLLAMA_HOST: options.upstreamUrl,
    LLAMAGATE_MASTER_KEY: BILLED_MASTER_KEY,
    LLAMAGATE_CONFIG: options.config,
    LLAMAGATE_DATA_DIR: options.dataDirectory,
    DATABASE_URL: undefined,
    REDIS_URL: undefined,
    API_KEY: undefined,
  };
  if (options.mode === 'pg')
    Object.assign(env, {
      DATABASE_URL: BILLED_DATABASE_URL,
      REDIS_URL: BILLED_REDIS_URL,
      DATABASE_SCHEMA: schema,
      REDIS_KEY_PREFIX: `${schema}:`,
      BILLING_CREDIT_LEASES: options.creditLeases === true ? 'true' : 'false',
    });
  const args = [...NODE_FLAGS, options.main, 'serve', '--port', '0', '--host', '127.0.0.1'];
  const server = await startProcess(options.name, args, {
    env,
    portFrom: (line) => {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      return entry.msg === 'LlamaGate listening' ? entry.port : undefined;
    },
  });
  if (options.mode === 'pg') postgresSchemas.set(server, schema);
  return server;
}

/** Stops a server; for a MODE=pg gateway, also drops the Postgres schema and Redis keys it made for itself. */
export async function stopBilledGateway(server: Server): Promise<void> {
  await stopServer(server);
  const schema = postgresSchemas.get(server);
  if (schema !== undefined) await dropBilledStorage(BILLED_DATABASE_URL, schema, BILLED_REDIS_URL);
}

/**
 * Creates a virtual key with $1,000,000 of credits on a gateway whose master key is {@link BILLED_MASTER_KEY};
 * returns the headers that authenticate with it.
 */
export async function fundedKeyHeaders(server: Server): Promise<Record<string, string>> {
  const created = await fetch(`${server.url}/admin/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BILLED_MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench', credits: 1_000_000 }),
  });
  if (created.status !== 201) throw new Error(`${server.name}: creating a key gave ${created.status}`);
  return { authorization: `Bearer ${((await created.json()) as { key: string }).key}` };
}

/**
 * Drops what a billed gateway on Postgres + Redis made for itself: its Postgres schema (its tables with it) and,
 * given `redisUrl`, its Redis keys (prefix `<schema>:`, the prefix every benchmark gives it).
 */
export function dropBilledStorage(databaseUrl: string, schema: string, redisUrl?: string): Promise<void> {
  return dropServiceState({ databaseUrl, schema, redisUrl, redisKeyPrefix: `${schema}:` });
}
