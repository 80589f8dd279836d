/**
 * The one configuration schema. Every source (defaults, YAML, .env, environment, CLI flags) is merged into
 * one raw object and validated here; a bad value stops start-up with a message naming the setting.
 */
import { z } from 'zod';
import { BILLING_ENVIRONMENT_VARIABLES, billingSchema, pricesSchema } from './billing-schema.js';
import { MCP_ENVIRONMENT_VARIABLES, mcpSchema } from './mcp-schema.js';
import { OBSERVABILITY_ENVIRONMENT_VARIABLES, observabilitySchema } from './observability-schema.js';
import {
  modelsSchema,
  poolMemberSchema,
  routeSchema,
  routingSettingsSchema,
  strategySchema,
} from './routing-schema.js';
import { booleanLike, byteSize, duration, hostUrl, numberLike } from './schema-helpers.js';

export const backendSchema = z
  .looseObject({
    name: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9._-]+$/, 'backend names use letters, digits, ".", "_" and "-"'),
    type: z.string().min(1),
    /** Provider settings: apiKey, endpoint, defaultModel, timeout, maxRetries, headers, and provider-specific keys. */
    config: z.record(z.string(), z.unknown()).default({}),
    /** Pool members (type: pool): backend or pool names, with optional weights. */
    backends: z.array(poolMemberSchema).optional(),
    /** How a pool picks a member (default weighted). */
    strategy: strategySchema.optional(),
    /** Whether a pool tries its next member on a retryable failure (default false). */
    fallback: booleanLike('fallback').optional(),
  })
  .superRefine((backend, context) => {
    if (backend.type === 'pool' && (backend.backends === undefined || backend.backends.length === 0)) {
      context.addIssue({
        code: 'custom',
        path: ['backends'],
        message: `pool "${backend.name}" needs at least one member`,
      });
    }
  });

export type BackendConfig = z.infer<typeof backendSchema>;

const cacheGroupsSchema = z
  .record(z.string(), z.array(z.string().min(1, 'a cache group member is a virtual key id')))
  .superRefine((groups, context) => {
    const groupOf = new Map<string, string>();
    for (const [group, keys] of Object.entries(groups)) {
      if (!/^[A-Za-z0-9._-]+$/.test(group))
        context.addIssue({
          code: 'custom',
          path: [group],
          message: 'cache group names use letters, digits, ".", "_" and "-"',
        });
      for (const key of keys) {
        const other = groupOf.get(key);
        if (other !== undefined && other !== group)
          context.addIssue({
            code: 'custom',
            path: [group],
            message: `key "${key}" is in cache groups "${other}" and "${group}"; a key shares its cache with one group`,
          });
        groupOf.set(key, group);
      }
    }
  });

export const configSchema = z.object({
  port: numberLike('PORT').pipe(z.number().int('PORT must be an integer').min(0).max(65535, 'PORT must be 0-65535')),
  host: z.string().min(1),
  ollamaHost: hostUrl('OLLAMA_HOST'),
  apiKey: z.string().optional(),
  masterKey: z.string().optional(),
  rateLimitRps: numberLike('RATE_LIMIT_RPS').pipe(z.number().positive('RATE_LIMIT_RPS must be greater than 0')),
  rateLimitBurst: numberLike('RATE_LIMIT_BURST')
    .pipe(z.number().positive('RATE_LIMIT_BURST must be greater than 0'))
    .optional(),
  /** Failed authentications per minute and client address before it is refused with 429 (0: no limit). */
  authFailuresPerMinute: numberLike('AUTH_FAILURES_PER_MINUTE')
    .pipe(z.number().int('AUTH_FAILURES_PER_MINUTE must be an integer').min(0))
    .optional(),
  debug: booleanLike('DEBUG'),
  logFile: z.string().optional(),
  tls: z.object({
    enabled: booleanLike('TLS_ENABLED'),
    certFile: z.string().optional(),
    keyFile: z.string().optional(),
  }),
  timeoutMs: duration('TIMEOUT', 30 * 60_000),
  shutdownTimeoutMs: duration('SHUTDOWN_TIMEOUT'),
  maxBodySize: byteSize('MAX_BODY_SIZE'),
  /** Client connections: how long a request may take to arrive, how long an idle socket stays, and how many per address. */
  connections: z.object({
    requestTimeoutMs: duration('REQUEST_TIMEOUT'),
    headersTimeoutMs: duration('HEADERS_TIMEOUT'),
    keepAliveTimeoutMs: duration('KEEP_ALIVE_TIMEOUT'),
    idleTimeoutMs: duration('IDLE_TIMEOUT'),
    maxPerIp: numberLike('MAX_CONNECTIONS_PER_IP').pipe(
      z.number().int('MAX_CONNECTIONS_PER_IP must be an integer').min(0),
    ),
  }),
  cache: z.object({
    enabled: booleanLike('CACHE_ENABLED'),
    ttlMs: duration('CACHE_TTL'),
    maxEntries: numberLike('CACHE_MAX_ENTRIES').pipe(
      z.number().int().positive('CACHE_MAX_ENTRIES must be greater than 0'),
    ),
    /** Operator-chosen cache groups: group name → virtual key ids that share cached answers (else each key has its own). */
    groups: cacheGroupsSchema.default({}),
  }),
  images: z.object({
    allowPrivateAddresses: booleanLike('ALLOW_PRIVATE_IMAGE_URLS'),
    maxBytes: byteSize('IMAGE_MAX_BYTES'),
    timeoutMs: duration('IMAGE_FETCH_TIMEOUT'),
  }),
  dataDir: z.string().min(1),
  databaseUrl: z.string().optional(),
  redisUrl: z.string().optional(),
  defaultBackend: z.string().min(1),
  backends: z.array(backendSchema).default([]),
  routes: z.array(routeSchema).default([]),
  /** Model aliases: a public name → deployments (`{ backend, model }`) behind a strategy. */
  models: modelsSchema.default({}),
  routing: routingSettingsSchema,
  /** Model name or glob → USD per 1M tokens (`input`, `output`, `cachedInput`, `perRequest`). */
  prices: pricesSchema.default({}),
  /** Virtual keys, credits and usage (see billing-schema.ts). */
  billing: billingSchema,
  /** Metrics and the request log (see observability-schema.ts). */
  observability: observabilitySchema,
  healthCheckIntervalMs: duration('HEALTH_CHECK_INTERVAL'),
  /** Stored Responses API responses (`store: true`): how long they are kept. */
  responses: z.object({ retentionMs: duration('RESPONSES_RETENTION') }),
  /** Ollama's own API (`/api/*`): the key applied to requests that send none (many Ollama clients cannot). */
  ollamaApi: z.object({ defaultKey: z.string().optional() }),
  /** The admin dashboard: static files served at `path` (see src/server/routes/admin-ui.ts). */
  ui: z.object({
    enabled: booleanLike('UI_ENABLED'),
    path: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'UI_PATH must be a path such as /ui (no trailing slash, no query)'),
  }),
  /** MCP servers and the tool loop (see mcp-schema.ts); a top-level `mcpServers` map is folded in by the loader. */
  mcp: mcpSchema,
});

export type GatewayConfig = z.infer<typeof configSchema>;

/** Built-in defaults, as LlamaGate documents them. */
export const DEFAULTS = {
  port: 11435,
  host: '0.0.0.0',
  ollamaHost: 'http://localhost:11434',
  rateLimitRps: 50,
  debug: false,
  tls: { enabled: false },
  timeoutMs: '5m',
  shutdownTimeoutMs: '30s',
  maxBodySize: '10mb',
  connections: {
    requestTimeoutMs: '2m',
    headersTimeoutMs: '30s',
    keepAliveTimeoutMs: '65s',
    idleTimeoutMs: '2m',
    maxPerIp: 256,
  },
  cache: { enabled: true, ttlMs: '5m', maxEntries: 1000 },
  images: { allowPrivateAddresses: false, maxBytes: '20mb', timeoutMs: '15s' },
  dataDir: './data',
  defaultBackend: 'ollama',
  healthCheckIntervalMs: '30s',
  responses: { retentionMs: '720h' },
  ollamaApi: {},
  ui: { enabled: true, path: '/ui' },
} as const;

/** Environment variable → config path. The README's configuration table mirrors this list. */
export const ENVIRONMENT_VARIABLES: Readonly<Record<string, string>> = {
  PORT: 'port',
  HOST: 'host',
  OLLAMA_HOST: 'ollamaHost',
  API_KEY: 'apiKey',
  LLAMAGATE_MASTER_KEY: 'masterKey',
  RATE_LIMIT_RPS: 'rateLimitRps',
  RATE_LIMIT_BURST: 'rateLimitBurst',
  AUTH_FAILURES_PER_MINUTE: 'authFailuresPerMinute',
  DEBUG: 'debug',
  LOG_FILE: 'logFile',
  TLS_ENABLED: 'tls.enabled',
  TLS_CERT_FILE: 'tls.certFile',
  TLS_KEY_FILE: 'tls.keyFile',
  TIMEOUT: 'timeoutMs',
  SHUTDOWN_TIMEOUT: 'shutdownTimeoutMs',
  MAX_BODY_SIZE: 'maxBodySize',
  REQUEST_TIMEOUT: 'connections.requestTimeoutMs',
  HEADERS_TIMEOUT: 'connections.headersTimeoutMs',
  KEEP_ALIVE_TIMEOUT: 'connections.keepAliveTimeoutMs',
  IDLE_TIMEOUT: 'connections.idleTimeoutMs',
  MAX_CONNECTIONS_PER_IP: 'connections.maxPerIp',
  CACHE_ENABLED: 'cache.enabled',
  CACHE_TTL: 'cache.ttlMs',
  CACHE_MAX_ENTRIES: 'cache.maxEntries',
  ALLOW_PRIVATE_IMAGE_URLS: 'images.allowPrivateAddresses',
  IMAGE_MAX_BYTES: 'images.maxBytes',
  IMAGE_FETCH_TIMEOUT: 'images.timeoutMs',
  LLAMAGATE_DATA_DIR: 'dataDir',
  DATABASE_URL: 'databaseUrl',
  REDIS_URL: 'redisUrl',
  DEFAULT_BACKEND: 'defaultBackend',
  HEALTH_CHECK_INTERVAL: 'healthCheckIntervalMs',
  RESPONSES_RETENTION: 'responses.retentionMs',
  OLLAMA_API_DEFAULT_KEY: 'ollamaApi.defaultKey',
  UI_ENABLED: 'ui.enabled',
  UI_PATH: 'ui.path',
  ...BILLING_ENVIRONMENT_VARIABLES,
  ...MCP_ENVIRONMENT_VARIABLES,
  ...OBSERVABILITY_ENVIRONMENT_VARIABLES,
};

/** YAML keys that differ from config paths (YAML speaks durations without the Ms suffix). */
export const YAML_ALIASES: Readonly<Record<string, string>> = {
  timeout: 'timeoutMs',
  shutdownTimeout: 'shutdownTimeoutMs',
  healthCheckInterval: 'healthCheckIntervalMs',
};
