/**
 * Schemas for routing: pool members and strategies, `routes`, `models` aliases and the `routing` block
 * (retries, backoff, cooldown, latency tracking). Cross-references (does a member name a backend?) are
 * checked when the router is built, where every backend and provider is known.
 */
import { z } from 'zod';
import { booleanLike, duration, numberLike } from './schema-helpers.js';

export const POOL_STRATEGIES = ['weighted', 'round-robin', 'latency', 'least-busy', 'cost', 'priority'] as const;
export type PoolStrategy = (typeof POOL_STRATEGIES)[number];

// Names other gateways use for the same strategies, so their configs load unchanged.
const STRATEGY_ALIASES: Readonly<Record<string, PoolStrategy>> = {
  random: 'weighted',
  'simple-shuffle': 'weighted',
  shuffle: 'weighted',
  roundrobin: 'round-robin',
  rr: 'round-robin',
  'lowest-latency': 'latency',
  'latency-based': 'latency',
  fastest: 'latency',
  leastbusy: 'least-busy',
  'least-connections': 'least-busy',
  cheapest: 'cost',
  'lowest-cost': 'cost',
  'cost-based': 'cost',
  failover: 'priority',
  ordered: 'priority',
  first: 'priority',
};

export const strategySchema = z.string().transform((value, context): PoolStrategy => {
  const normalised = value.trim().toLowerCase().replace(/_/g, '-');
  const known = (POOL_STRATEGIES as readonly string[]).includes(normalised)
    ? (normalised as PoolStrategy)
    : STRATEGY_ALIASES[normalised];
  if (known !== undefined) return known;
  context.addIssue({
    code: 'custom',
    message: `strategy must be one of ${POOL_STRATEGIES.join(', ')} (got ${JSON.stringify(value)})`,
  });
  return z.NEVER;
});

const weight = numberLike('weight').pipe(z.number().positive('weight must be greater than 0'));

/** A pool member: a backend or pool name, with an optional relative weight (default 1). */
export const poolMemberSchema = z
  .union([z.string().min(1), z.looseObject({ name: z.string().min(1), weight: weight.optional() })])
  .transform((member) =>
    typeof member === 'string' ? { name: member, weight: 1 } : { ...member, weight: member.weight ?? 1 },
  );

export type PoolMemberConfig = z.infer<typeof poolMemberSchema>;

export const routeSchema = z.looseObject({
  name: z.string().optional(),
  /** An exact path, or a prefix ending in `*` (`/v1/*`). */
  path: z.string().startsWith('/', 'route paths start with "/"'),
  /** HTTP methods the route applies to; all when absent. */
  methods: z
    .array(z.string().min(1))
    .optional()
    .transform((methods) => methods?.map((method) => method.toUpperCase())),
  /** A backend or pool name. */
  backend: z.string().min(1),
});

export type RouteConfig = z.infer<typeof routeSchema>;

/** One deployment behind a model alias: a backend (or pool) and the model it is asked for. */
const deploymentSchema = z
  .union([
    z.string().min(1),
    z.looseObject({ backend: z.string().min(1), model: z.string().min(1).optional(), weight: weight.optional() }),
  ])
  .transform((deployment) => {
    if (typeof deployment !== 'string') return { ...deployment, weight: deployment.weight ?? 1 };
    // "backend/model" (the model may hold more slashes), or a bare backend name meaning its default model.
    const slash = deployment.indexOf('/');
    return slash > 0
      ? { backend: deployment.slice(0, slash), model: deployment.slice(slash + 1) || undefined, weight: 1 }
      : { backend: deployment, model: undefined, weight: 1 };
  });

export type DeploymentConfig = z.infer<typeof deploymentSchema>;

const groupFields = { strategy: strategySchema.optional(), fallback: booleanLike('fallback').optional() };

const aliasSchema = z.union([
  deploymentSchema.transform((deployment) => ({ deployments: [deployment] })),
  z.looseObject({
    deployments: z.array(deploymentSchema).min(1, 'an alias needs at least one deployment'),
    ...groupFields,
  }),
]);

export interface ModelAliasConfig {
  deployments: DeploymentConfig[];
  strategy?: PoolStrategy;
  fallback?: boolean;
}

const aliasNameSchema = z
  .string()
  .min(1)
  .regex(/^[^\s]+$/, 'model alias names have no spaces');

/**
 * `models:` as a mapping (`fast: { strategy, deployments: [...] }`, or `fast: "groq/llama-3.1-8b-instant"`), or
 * as a LiteLLM-style list of `{ name, backend, model, weight }` where entries sharing a name form one alias.
 */
export const modelsSchema = z
  .union([
    z.record(aliasNameSchema, aliasSchema),
    z.array(
      z.looseObject({
        name: aliasNameSchema,
        backend: z.string().min(1),
        model: z.string().min(1).optional(),
        weight: weight.optional(),
        ...groupFields,
      }),
    ),
  ])
  .transform((models): Record<string, ModelAliasConfig> => {
    if (!Array.isArray(models)) return models as Record<string, ModelAliasConfig>;
    const grouped: Record<string, ModelAliasConfig> = {};
    for (const entry of models) {
      const alias = grouped[entry.name] ?? { deployments: [] };
      grouped[entry.name] = alias;
      alias.deployments.push({ backend: entry.backend, model: entry.model, weight: entry.weight ?? 1 });
      if (entry.strategy !== undefined) alias.strategy = entry.strategy;
      if (entry.fallback !== undefined) alias.fallback = entry.fallback;
    }
    return grouped;
  });

const fraction = (name: string) => numberLike(name).pipe(z.number().min(0).max(1, `${name} must be between 0 and 1`));

/** The `routing:` block. Every field has a default, so the block is optional. */
export const routingSettingsSchema = z
  .looseObject({
    /** Retries per backend on retryable failures, unless the backend's `config.maxRetries` says otherwise. */
    maxRetries: numberLike('routing.maxRetries').pipe(z.number().int().min(0)).default(0),
    backoff: z
      .looseObject({
        initialDelay: duration('routing.backoff.initialDelay').default(250),
        maxDelay: duration('routing.backoff.maxDelay').default(8_000),
        multiplier: numberLike('routing.backoff.multiplier').pipe(z.number().min(1)).default(2),
        jitter: z.enum(['full', 'equal', 'none']).default('full'),
        maxRetryAfter: duration('routing.backoff.maxRetryAfter').default(60_000),
      })
      .prefault({}),
    cooldown: z
      .looseObject({
        /** Consecutive failures (requests or health checks) that take a backend out. */
        failures: numberLike('routing.cooldown.failures').pipe(z.number().int().min(1)).default(3),
        /** How long the first cool-down lasts; each failed half-open probe doubles it up to maxPeriod. */
        period: duration('routing.cooldown.period').default(30_000),
        maxPeriod: duration('routing.cooldown.maxPeriod').default(300_000),
      })
      .prefault({}),
    latency: z
      .looseObject({
        /** EWMA weight of the newest sample (0–1). */
        smoothing: fraction('routing.latency.smoothing').default(0.3),
        /** Share of latency-routed requests sent to a random member so a recovered backend is noticed. */
        explore: fraction('routing.latency.explore').default(0.05),
      })
      .prefault({}),
    /** Timeout of one periodic health check. */
    healthCheckTimeout: duration('routing.healthCheckTimeout').default(3_000),
    /** Seeds the random choices (weighted picks, exploration) for reproducible tests. */
    seed: numberLike('routing.seed').pipe(z.number().int()).optional(),
  })
  .prefault({});

export type RoutingSettings = z.infer<typeof routingSettingsSchema>;
