import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import {
  type BackendConfig,
  configSchema,
  DEFAULTS,
  ENVIRONMENT_VARIABLES,
  type GatewayConfig,
} from './config-schema.js';
import { importLiteLlmConfig, isLiteLlmConfig } from './litellm-import.js';
import { withTopLevelMcpServers } from './mcp-schema.js';
import { findUnknownKeys } from './unknown-keys.js';
import { loadYaml } from './yaml.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadConfigOptions {
  /** YAML file; else `LLAMAGATE_CONFIG`; else `./llamagate.yaml` when it exists. */
  configFile?: string;
  /** Process environment (defaults to process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** `.env` file to read (defaults to `./.env`); `false` to skip. */
  dotenvFile?: string | false;
  /** Values from CLI flags, by config path (`port`, `ollamaHost`, `debug`…): the highest precedence. */
  flags?: Record<string, unknown>;
  cwd?: string;
}

export interface LoadedConfig {
  config: Readonly<GatewayConfig>;
  /** Environment seen by the gateway (.env under the process environment), for provider credentials. */
  env: Readonly<Record<string, string | undefined>>;
  configFile: string | undefined;
  /** For a LiteLLM config loaded directly: what could not be mapped. */
  importReport?: string[];
}

type Tree = Record<string, unknown>;

function setPath(target: Tree, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Tree;
  }
  node[keys.at(-1) as string] = value;
}

function deepMerge(base: Tree, override: Tree): Tree {
  const result: Tree = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const existing = result[key];
    if (
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof existing === 'object' &&
      existing !== null &&
      !Array.isArray(existing)
    ) {
      result[key] = deepMerge(existing as Tree, value as Tree);
    } else {
      result[key] = value;
    }
  }
  return result;
}

/** Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML document. */
export function interpolate(value: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (_, name: string, fallback: string | undefined) => env[name] ?? fallback ?? '',
    );
  }
  if (Array.isArray(value)) return value.map((item) => interpolate(item, env));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, env)]));
  }
  return value;
}

/** Top-level YAML keys whose content another part validates (`mcp:` is the MCP section's). */
const KNOWN_ELSEWHERE = ['mcpServers'];

/** YAML uses human keys (`timeout: 5m`, `cache: {ttl: 5m}`); the schema stores milliseconds. */
function normaliseYaml(document: Tree): Tree {
  const renamed: Tree = { ...document };
  for (const [from, to] of [
    ['timeout', 'timeoutMs'],
    ['shutdownTimeout', 'shutdownTimeoutMs'],
    ['healthCheckInterval', 'healthCheckIntervalMs'],
  ] as const) {
    if (from in renamed) {
      renamed[to] = renamed[from];
      delete renamed[from];
    }
  }
  // LlamaGate documents the TLS settings as flat snake_case YAML keys too.
  for (const [from, to] of [
    ['tls_enabled', 'enabled'],
    ['tls_cert_file', 'certFile'],
    ['tls_key_file', 'keyFile'],
  ] as const) {
    if (from in renamed) {
      renamed.tls = { ...((renamed.tls as Tree | undefined) ?? {}), [to]: renamed[from] };
      delete renamed[from];
    }
  }
  for (const [section, from, to] of [
    ['cache', 'ttl', 'ttlMs'],
    ['images', 'timeout', 'timeoutMs'],
  ] as const) {
    const block = renamed[section];
    if (typeof block === 'object' && block !== null && from in block) {
      const copy = { ...(block as Tree) };
      copy[to] = copy[from];
      delete copy[from];
      renamed[section] = copy;
    }
  }
  return renamed;
}

function readYaml(file: string, env: Readonly<Record<string, string | undefined>>, report: string[] = []): Tree {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${file}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = loadYaml().parse(text);
  } catch (error) {
    throw new ConfigError(`Config file ${file} is not valid YAML: ${(error as Error).message}`);
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document))
    throw new ConfigError(`Config file ${file} must hold a mapping at the top level`);
  if (isLiteLlmConfig(document)) {
    const imported = importLiteLlmConfig(document);
    report.push(...imported.report);
    document = imported.config;
  }
  return normaliseYaml(interpolate(document, env) as Tree);
}

const variableForPath = new Map(Object.entries(ENVIRONMENT_VARIABLES).map(([name, path]) => [path, name]));

/** Merges defaults ← YAML ← .env ← environment ← flags and validates the result with the one schema. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const processEnv = options.env ?? process.env;
  const dotenvPath = options.dotenvFile === false ? undefined : resolve(cwd, options.dotenvFile ?? '.env');
  const dotenv = dotenvPath !== undefined && existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  const env: Record<string, string | undefined> = { ...dotenv, ...processEnv };

  const explicitFile = options.configFile ?? env.LLAMAGATE_CONFIG;
  const implicitFile = resolve(cwd, 'llamagate.yaml');
  const configFile =
    explicitFile !== undefined && explicitFile !== ''
      ? resolve(cwd, explicitFile)
      : existsSync(implicitFile)
        ? implicitFile
        : undefined;
  const importReport: string[] = [];
  const yaml = configFile === undefined ? {} : readYaml(configFile, env, importReport);
  // zod drops keys it does not know: a misspelt key would silently fall back to its default.
  const unknown = findUnknownKeys(yaml, configSchema, [], KNOWN_ELSEWHERE);
  if (unknown.length > 0)
    throw new ConfigError(`Invalid configuration (${configFile}):\n  - ${unknown.join('\n  - ')}`);

  const fromEnv: Tree = {};
  for (const [name, path] of Object.entries(ENVIRONMENT_VARIABLES)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(fromEnv, path, value);
  }
  const fromFlags: Tree = {};
  for (const [path, value] of Object.entries(options.flags ?? {}))
    if (value !== undefined) setPath(fromFlags, path, value);

  const raw = withTopLevelMcpServers(
    deepMerge(deepMerge(deepMerge(DEFAULTS as unknown as Tree, yaml), fromEnv), fromFlags),
  );
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const path = issue.path.join('.');
      const variable = variableForPath.get(path);
      const where = variable !== undefined ? `${variable} (${path})` : path || 'config';
      return `${where}: ${issue.message}`;
    });
    throw new ConfigError(
      `Invalid configuration${configFile ? ` (${configFile})` : ''}:\n  - ${problems.join('\n  - ')}`,
    );
  }
  const config = parsed.data;
  if (config.tls.enabled && (config.tls.certFile === undefined || config.tls.keyFile === undefined)) {
    throw new ConfigError(
      'Invalid configuration:\n  - TLS_ENABLED is true but TLS_CERT_FILE and TLS_KEY_FILE must both be set',
    );
  }
  const names = new Set<string>();
  for (const backend of config.backends) {
    if (names.has(backend.name))
      throw new ConfigError(`Invalid configuration:\n  - backends: the name "${backend.name}" is used twice`);
    names.add(backend.name);
  }
  const loaded: LoadedConfig = { config: deepFreeze(config), env: Object.freeze(env), configFile };
  if (importReport.length > 0) loaded.importReport = importReport;
  return loaded;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

const SECRET_KEY = /(api[-_]?key|secret|token|password|credentials|master[-_]?key|authorization)/i;

/** A copy safe to print or log: secrets replaced, passwords in URLs masked. */
export function redactConfig(value: unknown, key = ''): unknown {
  // Numbers and booleans are never secrets (`billing.defaultMaxTokens` matches "token" but is a plain count).
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (SECRET_KEY.test(key) && value !== undefined && value !== null && value !== '') return '[redacted]';
  if (typeof value === 'string') return value.replace(/(\/\/[^:/@]+:)[^@/]+@/, '$1[redacted]@');
  if (Array.isArray(value)) return value.map((item) => redactConfig(item));
  if (typeof value === 'object' && value !== null) {
    if (key === 'headers') return redactHeaders(value as Record<string, unknown>);
    return Object.fromEntries(Object.entries(value).map(([k, item]) => [k, redactConfig(item, k)]));
  }
  return value;
}

/** Header values shown in clear in a config dump; any other header (a custom auth header) may hold a secret. */
const HARMLESS_HEADERS = new Set([
  'accept',
  'accept-language',
  'anthropic-beta',
  'anthropic-version',
  'cache-control',
  'content-type',
  'http-referer',
  'openai-beta',
  'user-agent',
  'x-title',
]);

function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, item]) => [
      name,
      HARMLESS_HEADERS.has(name.toLowerCase()) ? item : '[redacted]',
    ]),
  );
}

export type { BackendConfig, GatewayConfig };
