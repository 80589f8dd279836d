/** Config of metrics (`/metrics`) and the request log; tracing reads the standard `OTEL_*` variables instead. */
import { z } from 'zod';
import { booleanLike, byteSize, numberLike } from './schema-helpers.js';

/** `30d`, `12h`, `90m`, or `0`/`off` (keep forever), in ms. */
const retention = z.union([z.string(), z.number()]).transform((value, context) => {
  const text = String(value).trim().toLowerCase();
  if (text === '0' || text === 'off' || text === 'forever') return 0;
  const match = /^(\d+(?:\.\d+)?)\s*(d|h|m)$/.exec(text);
  if (match === null) {
    context.addIssue({
      code: 'custom',
      message: `LOG_RETENTION must look like 30d, 12h or 90m, or be off (got ${JSON.stringify(value)})`,
    });
    return z.NEVER;
  }
  const unit = match[2] === 'd' ? 86_400_000 : match[2] === 'h' ? 3_600_000 : 60_000;
  return Math.round(Number(match[1]) * unit);
});

const patternList = z.union([z.string(), z.array(z.string())]).transform((value, context) => {
  const patterns = (Array.isArray(value) ? value : value.split(',')).map((pattern) => pattern.trim()).filter(Boolean);
  for (const pattern of patterns) {
    try {
      new RegExp(pattern, 'g');
    } catch {
      context.addIssue({
        code: 'custom',
        message: `LOG_REDACT_PATTERNS: ${JSON.stringify(pattern)} is not a regular expression`,
      });
      return z.NEVER;
    }
  }
  return patterns;
});

export const observabilitySchema = z
  .object({
    /** Serve `GET /metrics` and count requests. */
    metricsEnabled: booleanLike('METRICS_ENABLED').default(true),
    /** A bearer token that may read `/metrics` besides the master key. */
    metricsToken: z.string().optional(),
    /** Serve `/metrics` (without auth) on this separate port instead, for a private network. */
    metricsPort: numberLike('METRICS_PORT').pipe(z.number().int().min(0).max(65535)).optional(),
    /** Adds a key_id label to the request, token and cost counters (one series per key). */
    metricsPerKey: booleanLike('METRICS_PER_KEY').default(false),
    /** Model label values kept before new client-chosen names collapse into `other`. */
    metricsMaxModels: numberLike('METRICS_MAX_MODELS').pipe(z.number().int().positive()).default(100),
    /** Write a request-log row per model call (in the billing storage, or storage of its own without billing). */
    requestLogEnabled: booleanLike('REQUEST_LOG_ENABLED').default(true),
    /** Capture bodies: never, for failed requests only, or always. */
    logBodies: z.enum(['off', 'errors', 'all']).default('off'),
    /** Each captured body is cut to this size. */
    logBodyMaxBytes: byteSize('LOG_BODY_MAX_BYTES').default(64 * 1024),
    /** Extra regular expressions whose matches are redacted from captured bodies (comma-separated). */
    logRedactPatterns: patternList.default([]),
    /** How long request-log rows are kept. */
    logRetentionMs: retention.default(30 * 86_400_000),
  })
  .prefault({});

export type ObservabilityConfig = z.infer<typeof observabilitySchema>;

export const OBSERVABILITY_ENVIRONMENT_VARIABLES: Readonly<Record<string, string>> = {
  METRICS_ENABLED: 'observability.metricsEnabled',
  METRICS_TOKEN: 'observability.metricsToken',
  METRICS_PORT: 'observability.metricsPort',
  METRICS_PER_KEY: 'observability.metricsPerKey',
  METRICS_MAX_MODELS: 'observability.metricsMaxModels',
  REQUEST_LOG_ENABLED: 'observability.requestLogEnabled',
  LOG_BODIES: 'observability.logBodies',
  LOG_BODY_MAX_BYTES: 'observability.logBodyMaxBytes',
  LOG_REDACT_PATTERNS: 'observability.logRedactPatterns',
  LOG_RETENTION: 'observability.logRetentionMs',
};
