/**
 * The price table of a configuration, built once per loaded config (a reload builds a new one), and the
 * `pricing` shown for each model in `GET /v1/models`.
 */
import type { GatewayConfig } from '../../config/config-schema.js';
import { formatDollars, type Micros } from '../../pricing/money.js';
import { PriceTable } from '../../pricing/prices.js';

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

/** Adds `pricing` to each listed model that has a price (unpriced models are listed unchanged). */
export function withPricing<T extends { id: string }>(
  config: Readonly<GatewayConfig>,
  models: T[],
): (T & { pricing?: ListedPricing })[] {
  return models.map((model) => {
    const pricing = modelPricing(config, model.id);
    return pricing === undefined ? model : { ...model, pricing };
  });
}
