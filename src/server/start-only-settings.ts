/**
 * Settings read once at start-up: the listener (address, TLS, connection limits, the dashboard's mount), the
 * logger, and the storage, billing, observability and stored-responses services opened with the process. A reload that changes
 * one keeps running with the old value, so the reload names them (names only: some hold secrets).
 */
import type { GatewayConfig } from '../config/config-schema.js';

export const START_ONLY_SETTINGS: readonly string[] = [
  'port',
  'host',
  'tls',
  'connections',
  'authFailuresPerMinute',
  'ui',
  'debug',
  'logFile',
  'dataDir',
  'databaseUrl',
  'redisUrl',
  'billing.enabled',
  'billing.leaseTtl',
  'billing.keyCacheTtl',
  'billing.keyHashSecret',
  'billing.databaseSchema',
  'billing.redisKeyPrefix',
  'billing.redisCommandTimeout',
  'observability',
  'responses',
];

function valueAt(config: Readonly<GatewayConfig>, path: string): unknown {
  let value: unknown = config;
  for (const name of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[name];
  return value;
}

/** The start-only settings whose value differs between the running configuration and a reloaded one. */
export function changedStartOnlySettings(running: Readonly<GatewayConfig>, next: Readonly<GatewayConfig>): string[] {
  return START_ONLY_SETTINGS.filter(
    (path) => JSON.stringify(valueAt(running, path)) !== JSON.stringify(valueAt(next, path)),
  );
}
