/**
 * The price table of a configuration, built once per loaded config (a reload builds a new one), and the
 * `pricing` shown for each model in `GET /v1/models`.
 */
import type { GatewayConfig } from '../../config/config-schema.js';
import { formatDollars, type Micros } from '../../pricing/money.js';
import { type PricedUsage, PriceTable } from '../../pricing/prices.js';
import type { GatewayContext } from '../gateway-context.js';

const tables = new WeakMap<object, PriceTable>();

/** Configured `prices:` over the shipped defaults, with the configured cache-hit rule. */
export function priceTableFor(config: Readonly<GatewayConfig>): PriceTable {
  let table = tables.get(config);
  if (table === undefined) {
    table = PriceTable.fromConfig(config.prices, { cacheHit: config.billing.cacheHit });
    tables.set(config, table);
  }
  return table;
}

/** What `billing.unpricedModels` does with a model that has no price, by the backend type serving it. */
export type UnpricedModels = 'free' | 'reject' | 'reject-hosted';

/** Backend types that are your own servers: their unpriced models stay free under `reject-hosted`. */
const SELF_HOSTED_TYPES: ReadonlySet<string> = new Set(['ollama', 'openai-compatible']);

/** Whether a virtual key is refused an unpriced model; an unknown backend counts as hosted. */
export function refusesUnpriced(rule: UnpricedModels, backendType: string | undefined): boolean {
  if (rule === 'free') return false;
  if (rule === 'reject') return true;
  return backendType === undefined || !SELF_HOSTED_TYPES.has(backendType);
}

/**
 * A request's price bound as the client names the model, else as `<backend type>/<model>` of the backend it
 * resolves to (so `hosted/llama-3.1-8b` on a `llamagate` backend finds `llamagate/llama-3.1-8b`).
 */
export function billedPrice(
  context: Pick<GatewayContext, 'config' | 'resolver'>,
  model: string,
  tokens: { promptTokens: number; maxOutputTokens: number },
): { key: string; maximum: PricedUsage; backendType: string | undefined } {
  const table = priceTableFor(context.config);
  let target: { type: string; modelId: string } | undefined;
  try {
    const resolved = context.resolver.resolve(model);
    target = { type: resolved.backend.type, modelId: resolved.modelId };
  } catch {
    target = undefined;
  }
  const maximum = table.maxCost(model, tokens);
  if (maximum.priced || target === undefined) return { key: model, maximum, backendType: target?.type };
  const key = `${target.type}/${target.modelId}`;
  return { key, maximum: table.maxCost(key, tokens), backendType: target.type };
}

/** A model's price as listed: dollar strings (exact), per 1M tokens. */
export interface ListedPricing {
  input: string;
  output: string;
  cached_input?: string;
  per_request?: string;
  unit: 'USD per 1M tokens';
}

function dollars(micros: Micros): string {
  return formatDollars(micros, { minDecimals: 2 });
}

/** The price the gateway charges for `model` (as clients name it), or undefined when it is unpriced. */
export function modelPricing(config: Readonly<GatewayConfig>, model: string): ListedPricing | undefined {
  const match = priceTableFor(config).lookup(model);
  if (match === undefined) return undefined;
  const { price } = match;
  const listed: ListedPricing = {
    input: dollars(price.input),
    output: dollars(price.output),
    unit: 'USD per 1M tokens',
  };
  if (price.cachedInput !== undefined) listed.cached_input = dollars(price.cachedInput);
  if (price.perRequest !== undefined) listed.per_request = dollars(price.perRequest);
  return listed;
}

/**
 * Adds `pricing` to each listed model that has a price (unpriced models are listed unchanged). `priceKey` names
 * a model for the price table when its listed id does not (`<backend type>/<model>` for backend models).
 */
export function withPricing<T extends { id: string }>(
  config: Readonly<GatewayConfig>,
  models: T[],
  priceKey: (model: T) => string | undefined = () => undefined,
): (T & { pricing?: ListedPricing })[] {
  return models.map((model) => {
    const key = priceKey(model);
    const pricing = (key === undefined ? undefined : modelPricing(config, key)) ?? modelPricing(config, model.id);
    return pricing === undefined ? model : { ...model, pricing };
  });
}
