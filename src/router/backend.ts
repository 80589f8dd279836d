import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { unknownKeyMessage } from '../config/closest-name.js';
import type { BackendConfig } from '../config/config-schema.js';
import { parseDuration } from '../config/durations.js';
import { configureOriginLimits } from '../provider-utils/http-client.js';
import { findProviderDefinition } from '../providers/registry.js';
import type { ImageFetchSettings, Provider } from '../spec/provider.js';

/** A named upstream: one provider instance with its credentials, endpoint and per-backend policy. */
export interface Backend {
  readonly name: string;
  readonly type: string;
  readonly provider: Provider;
  readonly defaultModel: string | undefined;
  readonly timeoutMs: number | undefined;
  readonly maxRetries: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  /** Created on demand from a `<provider>/<model>` string with environment credentials. */
  readonly implicit: boolean;
}

export interface BackendContext {
  env: Readonly<Record<string, string | undefined>>;
  imageFetch?: ImageFetchSettings;
  dispatcher?: Dispatcher;
}

const COMMON_KEYS = new Set([
  'apiKey',
  'endpoint',
  'baseURL',
  'baseUrl',
  'defaultModel',
  'timeout',
  'maxRetries',
  'headers',
  'maxConnections',
  'maxQueuedRequests',
]);

const COMMON_SETTINGS = z.object({
  apiKey: z.string().optional(),
  endpoint: z.string().optional(),
  baseURL: z.string().optional(),
  baseUrl: z.string().optional(),
  defaultModel: z.string().optional(),
  timeout: z.union([z.string(), z.number()]).optional(),
  maxRetries: z.union([z.number(), z.string()]).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  maxConnections: z.union([z.number(), z.string()]).optional(),
  maxQueuedRequests: z.union([z.number(), z.string()]).optional(),
});

/** Checks a backend's `config:` block against the common keys and its provider's own, naming the first problems. */
function checkSettings(name: string, settings: Record<string, unknown>, providerSchema: z.ZodObject | undefined): void {
  const schema = providerSchema === undefined ? COMMON_SETTINGS : COMMON_SETTINGS.extend(providerSchema.shape);
  const known = Object.keys(schema.shape);
  const problems: string[] = [];
  for (const key of Object.keys(settings)) {
    if (!known.includes(key)) problems.push(`config.${key}: ${unknownKeyMessage(key, known)}`);
  }
  const parsed = schema.safeParse(settings);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`config.${issue.path.join('.')}: ${issue.message}`);
  }
  const endpoint = [settings.endpoint, settings.baseURL, settings.baseUrl].find((value) => typeof value === 'string');
  if (typeof endpoint === 'string' && endpoint !== '' && !isHttpUrl(endpoint))
    problems.push(`config.endpoint: must be an http(s) URL (got ${JSON.stringify(endpoint)})`);
  if (problems.length > 0) throw new BackendConfigError(`backend "${name}": ${problems.join('; ')}`);
}

function wholeSetting(backend: string, key: string, value: unknown, minimum: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < minimum)
    throw new BackendConfigError(`backend "${backend}": ${key} must be a whole number ≥ ${minimum}`);
  return number;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

export class BackendConfigError extends Error {
  override readonly name = 'BackendConfigError';
}

/** Builds a backend from its YAML entry (`type` selects the provider, `config` holds its settings). */
export function createBackend(config: BackendConfig, context: BackendContext, implicit = false): Backend {
  const definition = findProviderDefinition(config.type);
  if (definition === undefined) {
    throw new BackendConfigError(`backend "${config.name}": unknown type "${config.type}"`);
  }
  const settings = config.config;
  if (!implicit) checkSettings(config.name, settings, definition.settingsSchema);
  const options = Object.fromEntries(Object.entries(settings).filter(([key]) => !COMMON_KEYS.has(key)));
  const endpoint = [settings.endpoint, settings.baseURL, settings.baseUrl].find(
    (value): value is string => typeof value === 'string' && value !== '',
  );
  const apiKey = typeof settings.apiKey === 'string' && settings.apiKey !== '' ? settings.apiKey : undefined;
  const headers = stringRecord(settings.headers);
  let timeoutMs: number | undefined;
  if (settings.timeout !== undefined) {
    timeoutMs =
      typeof settings.timeout === 'string' || typeof settings.timeout === 'number'
        ? parseDuration(settings.timeout)
        : undefined;
    if (timeoutMs === undefined)
      throw new BackendConfigError(`backend "${config.name}": timeout must be a duration like 30s`);
  }
  const maxRetries = settings.maxRetries === undefined ? undefined : Number(settings.maxRetries);
  if (maxRetries !== undefined && (!Number.isInteger(maxRetries) || maxRetries < 0)) {
    throw new BackendConfigError(`backend "${config.name}": maxRetries must be a whole number ≥ 0`);
  }
  const maxConnections = wholeSetting(config.name, 'maxConnections', settings.maxConnections, 1);
  // 0 is allowed: no call waits for a connection, the next one past the cap is refused at once.
  const maxQueuedRequests = wholeSetting(config.name, 'maxQueuedRequests', settings.maxQueuedRequests, 0);
  if (endpoint === undefined && (maxConnections !== undefined || maxQueuedRequests !== undefined)) {
    // The limits are per upstream origin, which only an explicit endpoint names here; never ignore them silently.
    throw new BackendConfigError(
      `backend "${config.name}": maxConnections and maxQueuedRequests need an explicit endpoint (the upstream origin they limit)`,
    );
  }
  if (endpoint !== undefined && (maxConnections !== undefined || maxQueuedRequests !== undefined)) {
    configureOriginLimits(new URL(endpoint).origin, {
      ...(maxConnections === undefined ? {} : { maxConnections }),
      ...(maxQueuedRequests === undefined ? {} : { maxQueuedRequests }),
    });
  }
  let provider: Provider;
  try {
    provider = definition.create({
      apiKey,
      baseURL: endpoint,
      headers,
      env: context.env,
      imageFetch: context.imageFetch,
      dispatcher: context.dispatcher,
      options,
    });
  } catch (error) {
    throw new BackendConfigError(`backend "${config.name}": ${(error as Error).message}`);
  }
  return {
    name: config.name,
    type: definition.id,
    provider,
    defaultModel:
      typeof settings.defaultModel === 'string' && settings.defaultModel !== ''
        ? settings.defaultModel
        : definition.implicitDefaultModel?.(options),
    timeoutMs,
    maxRetries,
    headers,
    implicit,
  };
}
