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

/** One backend and model a request may be served by, as `servedPriceKey` names it for the price table. */
export interface ServedModel {
  backend: { name: string; type: string };
  modelId: string | undefined;
}

/**
 * The price-table name of what was served: `<backend name>/<model>` when the configured table prices it
 * (operators may price one deployment, `"my-vllm/*"`), else `<backend type>/<model>` (the lookup also tries the
 * bare model, so `hosted/qwen3-8b` on a `llamagate` backend finds `llamagate/qwen3-8b`, while `ollama/…` never
 * takes a shipped hosted price). Undefined when no model is known.
 */
export function servedPriceKey(table: PriceTable, served: ServedModel): string | undefined {
  if (served.modelId === undefined) return undefined;
  const byName = `${served.backend.name}/${served.modelId}`;
  if (served.backend.name === served.backend.type || table.lookupConfigured(byName) !== undefined) return byName;
  return `${served.backend.type}/${served.modelId}`;
}

/** How a request is priced before its call: the hold's price key and bound, and what may serve it. */
export interface AdmissionPrice {
  /** Fixed for the whole request when set: the alias's (pool's, route's) own price in `prices:`. */
  groupKey: string | undefined;
  /** The costliest possible target's key (priced by this until the served target is known, e.g. cache hits). */
  key: string;
  maximum: PricedUsage;
  /** Backend types of the possible targets without a price (undefined: unknown), for `billing.unpricedModels`. */
  unpriced: (string | undefined)[];
}

/**
 * A request's price bound before the call, by the model actually served: every backend and model the request
 * may reach (after alias, pool and route resolution) is priced and the costliest is held. A `models:` alias,
 * pool or route named by the request with its own exact entry in `prices:` is priced by that entry instead,
 * whichever member serves (globs and the shipped defaults never price a group name).
 */
export function admissionPrice(
  context: Pick<GatewayContext, 'config' | 'router'>,
  model: string,
  path: string | undefined,
  tokens: { promptTokens: number; maxOutputTokens: number },
): AdmissionPrice {
  const table = priceTableFor(context.config);
  let serving: ReturnType<GatewayContext['router']['servingTargets']>;
  try {
    serving = context.router.servingTargets({ model, path, method: 'POST' });
  } catch {
    serving = { group: false, targets: [] };
  }
  if (serving.group && table.configuredExact(model) !== undefined) {
    return { groupKey: model, key: model, maximum: table.maxCost(model, tokens), unpriced: [] };
  }
  let best: { key: string; maximum: PricedUsage } | undefined;
  let firstUnpriced: string | undefined;
  const unpriced: (string | undefined)[] = serving.targets.length === 0 ? [undefined] : [];
  for (const target of serving.targets) {
    const key = servedPriceKey(table, target);
    const maximum = key === undefined ? { cost: 0, priced: false } : table.maxCost(key, tokens);
    if (!maximum.priced) {
      unpriced.push(target.backend.type);
      firstUnpriced ??= key;
    } else if (best === undefined || maximum.cost > best.maximum.cost) best = { key: key as string, maximum };
  }
  if (best !== undefined) return { groupKey: undefined, key: best.key, maximum: best.maximum, unpriced };
  // The served model has no price: that stands (its name may match a hosted model it is not). Only when no
  // target names a model is the name priced as the client wrote it; a group name never is.
  if (firstUnpriced !== undefined) return { groupKey: undefined, key: firstUnpriced, maximum: unpricedCost, unpriced };
  const maximum = serving.group ? unpricedCost : table.maxCost(model, tokens);
  return { groupKey: undefined, key: model, maximum, unpriced };
}

const unpricedCost: PricedUsage = { cost: 0, priced: false };

/** The price-table name `GET /v1/models` lists an alias with: its own price, else its costliest deployment's. */
export function aliasPriceKey(context: Pick<GatewayContext, 'config' | 'router'>, alias: string): string | undefined {
  const priced = admissionPrice(context, alias, undefined, { promptTokens: 1_000_000, maxOutputTokens: 1_000_000 });
  return priced.maximum.priced ? priced.key : undefined;
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
 * a model for the price table when its listed id does not (`<backend type>/<model>` for backend models); null
 * lists it without a price.
 */
export function withPricing<T extends { id: string }>(
  config: Readonly<GatewayConfig>,
  models: T[],
  priceKey: (model: T) => string | null | undefined = () => undefined,
): (T & { pricing?: ListedPricing })[] {
  return models.map((model) => {
    const key = priceKey(model);
    if (key === null) return model;
    // A backend's model is priced by its key alone: its listed name may match a hosted model it is not.
    const pricing = modelPricing(config, key ?? model.id);
    return pricing === undefined ? model : { ...model, pricing };
  });
}
