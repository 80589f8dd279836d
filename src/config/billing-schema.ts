/**
 * Config schemas of the credit-billed gateway: the `prices:` table and the `billing:` settings. Prices are
 * validated here with the same parser the billing uses, so a typo stops start-up instead of pricing at 0.
 */
import { z } from 'zod';
import type { CacheHitPricing } from '../pricing/prices.js';
import { toMicroPrice } from '../pricing/prices.js';
import { booleanLike, duration, numberLike } from './schema-helpers.js';

const dollarAmount = z.union([z.number(), z.string().min(1)]);

/** One model's price in USD per 1M tokens (`perRequest` in USD per request). */
export const priceEntrySchema = z.strictObject({
  input: dollarAmount,
  output: dollarAmount.optional(),
  cachedInput: dollarAmount.optional(),
  perRequest: dollarAmount.optional(),
});

/** Model name or glob (`llama-*`, `groq/*`) → price. */
export const pricesSchema = z.record(z.string().min(1), priceEntrySchema).superRefine((prices, context) => {
  for (const [model, entry] of Object.entries(prices)) {
    try {
      toMicroPrice(entry, model);
    } catch (error) {
      context.addIssue({ code: 'custom', path: [model], message: (error as Error).message });
    }
  }
});

/** `free` (default), `full`, or a percentage of the full price: `50`, `"50%"`. */
const cacheHitSchema = z.union([z.string(), z.number()]).transform((value, context): CacheHitPricing => {
  const text = String(value).trim().toLowerCase();
  if (text === 'free' || text === 'full') return text;
  const percent = Number(text.endsWith('%') ? text.slice(0, -1) : text);
  if (Number.isInteger(percent) && percent >= 0 && percent <= 100) {
    if (percent === 0) return 'free';
    if (percent === 100) return 'full';
    return { percent };
  }
  context.addIssue({
    code: 'custom',
    message: `BILLING_CACHE_HIT must be free, full or a percentage 0-100 (got ${JSON.stringify(value)})`,
  });
  return z.NEVER;
});

/** A percentage of the hold, `100`, `"100%"`: 0 to 10000. */
const overdraftSchema = z.union([z.string(), z.number()]).transform((value, context): number => {
  const text = String(value).trim();
  const percent = Number(text.endsWith('%') ? text.slice(0, -1) : text);
  if (text !== '' && Number.isInteger(percent) && percent >= 0 && percent <= 10_000) return percent;
  context.addIssue({
    code: 'custom',
    message: `BILLING_MAX_OVERDRAFT must be a percentage of the hold, 0-10000 (got ${JSON.stringify(value)})`,
  });
  return z.NEVER;
});

export const billingSchema = z
  .object({
    /** Open the key/usage storage at start (SQLite under dataDir, or DATABASE_URL): virtual keys, credits, usage. */
    enabled: booleanLike('BILLING_ENABLED').default(true),
    /** How an answer from the gateway's response cache is charged. */
    cacheHit: cacheHitSchema.default('free'),
    /**
     * Models without a price, for virtual keys: `reject-hosted` (default) refuses them (403) unless an Ollama or
     * OpenAI-compatible backend (your own server) serves them; `reject` refuses all; `free` serves all free.
     */
    unpricedModels: z.enum(['free', 'reject', 'reject-hosted']).default('reject-hosted'),
    /** Output tokens reserved for a request without `max_tokens`. */
    defaultMaxTokens: numberLike('BILLING_DEFAULT_MAX_TOKENS')
      .pipe(z.number().int().positive('BILLING_DEFAULT_MAX_TOKENS must be a positive integer'))
      .default(4096),
    /**
     * The most one request may be charged beyond its credit hold, as a percentage of the hold (`100%`: at most
     * twice the hold; `0%`: never more than the hold, so balances never go below zero). Usage reported beyond
     * it is recorded, not charged.
     */
    maxOverdraft: overdraftSchema.default(100),
    /**
     * Lifetime of a request's leases (its credit hold and max-parallel slot) unless renewed: each process renews
     * its live leases every third of it, so those of a crashed process free within about this long.
     */
    leaseTtl: duration('BILLING_LEASE_TTL')
      .pipe(z.number().min(1_000, 'BILLING_LEASE_TTL must be at least 1s'))
      .default(15_000),
    /**
     * Postgres + Redis: each process admits holds against its own slice of a key's credits, taken from Redis and
     * resized as demand changes, instead of one Redis script per hold (decision 0025). On by default.
     */
    creditLeases: booleanLike('BILLING_CREDIT_LEASES').default(true),
    /** How long a process trusts its cached copy of a key (revocations are pushed sooner through Redis). */
    keyCacheTtl: duration('KEY_CACHE_TTL').default(5_000),
    /** HMAC secret for key hashes (`LLAMAGATE_KEY_HASH_SECRET`); changing it invalidates every virtual key. */
    keyHashSecret: z.string().optional(),
    /** Postgres schema of the tables (default public). */
    databaseSchema: z.string().optional(),
    /** Prefix of the Redis keys and channel (default `llamagate:`). */
    redisKeyPrefix: z.string().optional(),
    /** A Redis command slower than this counts as an outage for that call (it falls back to local limits). */
    redisCommandTimeout: duration('REDIS_COMMAND_TIMEOUT').default(250),
  })
  .prefault({});

export type BillingConfig = z.infer<typeof billingSchema>;

/** Environment variables of the billing settings (merged into ENVIRONMENT_VARIABLES). */
export const BILLING_ENVIRONMENT_VARIABLES: Readonly<Record<string, string>> = {
  BILLING_ENABLED: 'billing.enabled',
  BILLING_CACHE_HIT: 'billing.cacheHit',
  BILLING_UNPRICED_MODELS: 'billing.unpricedModels',
  BILLING_DEFAULT_MAX_TOKENS: 'billing.defaultMaxTokens',
  BILLING_MAX_OVERDRAFT: 'billing.maxOverdraft',
  BILLING_LEASE_TTL: 'billing.leaseTtl',
  BILLING_CREDIT_LEASES: 'billing.creditLeases',
  KEY_CACHE_TTL: 'billing.keyCacheTtl',
  LLAMAGATE_KEY_HASH_SECRET: 'billing.keyHashSecret',
  DATABASE_SCHEMA: 'billing.databaseSchema',
  REDIS_KEY_PREFIX: 'billing.redisKeyPrefix',
  REDIS_COMMAND_TIMEOUT: 'billing.redisCommandTimeout',
};
