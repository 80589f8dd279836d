/**
 * Model price tables: config is dollars per 1M tokens (numbers or strings), stored as micro-dollars per 1M
 * tokens, looked up by model name with exact names, globs and family prefixes.
 */
import { DEFAULT_PRICES } from './default-prices.js';
import { globSpecificity, globToRegExp, isGlob, modelNameCandidates } from './glob.js';
import {
  assertNonNegativeMicros,
  costOf,
  type MicroPrice,
  type Micros,
  parseDollars,
  percentOf,
  type TokenUsage,
} from './money.js';
import type { DollarAmount, PriceConfig, PriceConfigEntry } from './price-config.js';

export type { DollarAmount, PriceConfig, PriceConfigEntry } from './price-config.js';

/**
 * What a request answered from the gateway's response cache costs: nothing (`'free'`, the default), the full
 * price (`'full'`), or an integer percentage of it.
 */
export type CacheHitPricing = 'free' | 'full' | { percent: number };

export interface PriceTableOptions {
  /** Include {@link DEFAULT_PRICES} beneath the configured table. Default true. */
  includeDefaults?: boolean;
  cacheHit?: CacheHitPricing;
  /** Price for models nothing matches; without it such models are unpriced (`lookup` returns undefined). */
  fallback?: PriceConfigEntry;
}

export interface PriceMatch {
  /** The table key that matched (`'*'` for the fallback). */
  pattern: string;
  price: MicroPrice;
}

export interface PricedUsage {
  cost: Micros;
  /** False when no price matched (cost is then 0): the caller decides whether that is allowed. */
  priced: boolean;
  pattern?: string;
}

/** Converts one config entry to micro-dollars per 1M tokens. Throws RangeError on a bad or negative amount. */
export function toMicroPrice(entry: PriceConfigEntry, model = 'price'): MicroPrice {
  const convert = (value: DollarAmount, field: string): Micros =>
    assertNonNegativeMicros(parseDollars(value), `${model}.${field}`);
  const price: MicroPrice = { input: convert(entry.input, 'input'), output: convert(entry.output ?? 0, 'output') };
  if (entry.cachedInput !== undefined) price.cachedInput = convert(entry.cachedInput, 'cachedInput');
  if (entry.perRequest !== undefined) price.perRequest = convert(entry.perRequest, 'perRequest');
  return price;
}

interface Layer {
  exact: Map<string, PriceMatch>;
  globs: { regexp: RegExp; specificity: number; match: PriceMatch }[];
  /** Exact keys sorted longest first, for family-prefix lookup. */
  prefixes: PriceMatch[];
}

const MAX_REMEMBERED_NAMES = 1024;
const MAX_REMEMBERED_NAME = 256;

/** The largest token count one call can report (provider-utils' MAX_TOKEN_COUNT, a signed 32-bit ledger column). */
const MAX_HELD_TOKENS = 2_147_483_647;

// A dated snapshot or tag continues its family's name after one of these (`gpt-4o-2024-08-06`, `qwen3:8b`).
const PREFIX_BOUNDARIES = new Set(['-', ':', '@']);

/**
 * Provider prefixes of servers that only ever run models locally (billing names a served model
 * `<backend type>/<model>`). The shipped prices are hosted providers' list prices, so they never price a model
 * behind one of these whose name merely matches (a local Ollama `mistral-large` is not Mistral's hosted one);
 * configured prices still do. `openai-compatible` is not one: it may front a hosted API (OpenRouter, a LiteLLM
 * proxy), whose `gpt-4o` keeps its list price rather than being served free.
 */
export const SELF_HOSTED_PREFIXES: ReadonlySet<string> = new Set(['ollama']);

function isSelfHosted(name: string): boolean {
  const slash = name.indexOf('/');
  return slash > 0 && SELF_HOSTED_PREFIXES.has(name.slice(0, slash));
}

/**
 * A lookup-ready price table of two layers, the configured table over the shipped defaults. Names are tried
 * in full, then with provider prefixes stripped one by one (`llamagate/x` → `x`), case-insensitively:
 * 1. configured exact key or most specific glob; 2. the same in the defaults; 3. the longest configured key
 * that the name extends after `-`, `:` or `@` (`gpt-4o-2024-08-06` → `gpt-4o`, but `gpt-4o-mini` finds its
 * own exact entry first); 4. the same in the defaults; 5. `fallback`. The defaults are skipped for a name under
 * a self-hosted prefix (`ollama/…`, {@link SELF_HOSTED_PREFIXES}).
 *
 * @example
 * const prices = PriceTable.fromConfig({ 'my-model': { input: '0.10', output: '0.20' } });
 * prices.cost('llamagate/llama-3.1-8b', { promptTokens: 1000, completionTokens: 100 }); // { cost: 35, … }
 */
export class PriceTable {
  readonly #layers: Layer[];
  readonly #configured: Layer | undefined;
  readonly #fallback: PriceMatch | undefined;
  readonly #cacheHit: CacheHitPricing;
  /** Lookups remembered per model name (the table never changes); bounded because names come from clients. */
  readonly #found = new Map<string, PriceMatch | undefined>();

  private constructor(layers: Layer[], fallback: PriceMatch | undefined, cacheHit: CacheHitPricing) {
    this.#layers = layers;
    this.#configured = layers[0];
    this.#fallback = fallback;
    this.#cacheHit = cacheHit;
  }

  static fromConfig(config: PriceConfig = {}, options: PriceTableOptions = {}): PriceTable {
    const layers = [buildLayer(config)];
    if (options.includeDefaults ?? true) layers.push(buildLayer(DEFAULT_PRICES));
    const fallback =
      options.fallback === undefined ? undefined : { pattern: '*', price: toMicroPrice(options.fallback, '*') };
    const cacheHit = options.cacheHit ?? 'free';
    if (typeof cacheHit === 'object') percentOf(0, cacheHit.percent);
    return new PriceTable(layers, fallback, cacheHit);
  }

  /** What the configured table alone (no shipped default, no fallback) prices `model` by, if anything. */
  lookupConfigured(model: string): PriceMatch | undefined {
    const layer = this.#configured;
    if (layer === undefined) return undefined;
    const candidates = modelNameCandidates(model.toLowerCase());
    for (const phase of [exactOrGlob, familyPrefix]) {
      for (const candidate of candidates) {
        const found = phase(layer, candidate);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  }

  /** The configured (not default) entry written exactly as `name`, case-insensitively; globs do not count. */
  configuredExact(name: string): PriceMatch | undefined {
    return this.#configured?.exact.get(name.toLowerCase());
  }

  lookup(model: string): PriceMatch | undefined {
    if (model.length > MAX_REMEMBERED_NAME) return this.#search(model);
    const found = this.#found.get(model);
    if (found !== undefined || this.#found.has(model)) return found;
    const searched = this.#search(model);
    if (this.#found.size >= MAX_REMEMBERED_NAMES) this.#found.clear();
    this.#found.set(model, searched);
    return searched;
  }

  #search(model: string): PriceMatch | undefined {
    const name = model.toLowerCase();
    const candidates = modelNameCandidates(name);
    const layers = isSelfHosted(name) ? this.#layers.slice(0, 1) : this.#layers;
    // Family prefixes are a guess, so every layer's exact names and globs are tried before any layer's prefixes.
    for (const phase of [exactOrGlob, familyPrefix]) {
      for (const layer of layers) {
        for (const candidate of candidates) {
          const found = phase(layer, candidate);
          if (found !== undefined) return found;
        }
      }
    }
    return this.#fallback;
  }

  /**
   * The cost of one request. `cacheHit` means the gateway answered from its response cache (priced by the
   * table's `cacheHit` rule), not the provider's prompt cache (that is `usage.cachedTokens`).
   */
  cost(model: string, usage: TokenUsage, options: { cacheHit?: boolean } = {}): PricedUsage {
    const match = this.lookup(model);
    if (match === undefined) return { cost: 0, priced: false };
    const full = costOf(usage, match.price);
    return { cost: options.cacheHit === true ? this.#cacheHitCost(full) : full, priced: true, pattern: match.pattern };
  }

  /**
   * An upper bound to reserve before a call: prompt tokens at the input price plus `maxOutputTokens` at the
   * output price (cached-token discounts ignored, so it never underestimates those).
   */
  maxCost(model: string, tokens: { promptTokens: number; maxOutputTokens: number }): PricedUsage {
    // A client may allow any output (`max_tokens: 1e308`); no call can report more than the largest token count.
    return this.cost(model, {
      promptTokens: Math.min(tokens.promptTokens, MAX_HELD_TOKENS),
      completionTokens: Math.min(tokens.maxOutputTokens, MAX_HELD_TOKENS),
    });
  }

  #cacheHitCost(full: Micros): Micros {
    if (this.#cacheHit === 'free') return 0;
    if (this.#cacheHit === 'full') return full;
    return percentOf(full, this.#cacheHit.percent);
  }
}

function buildLayer(config: PriceConfig): Layer {
  const layer: Layer = { exact: new Map(), globs: [], prefixes: [] };
  for (const [pattern, entry] of Object.entries(config)) {
    const match: PriceMatch = { pattern, price: toMicroPrice(entry, pattern) };
    const key = pattern.toLowerCase();
    if (isGlob(key)) {
      layer.globs.push({ regexp: globToRegExp(key), specificity: globSpecificity(key), match });
    } else {
      layer.exact.set(key, match);
    }
  }
  // Stable sorts keep config order among equals, so the first-written entry wins a tie.
  layer.globs.sort((a, b) => b.specificity - a.specificity);
  layer.prefixes = [...layer.exact.entries()].sort((a, b) => b[0].length - a[0].length).map(([, match]) => match);
  return layer;
}

function exactOrGlob(layer: Layer, name: string): PriceMatch | undefined {
  return layer.exact.get(name) ?? layer.globs.find((candidate) => candidate.regexp.test(name))?.match;
}

function familyPrefix(layer: Layer, name: string): PriceMatch | undefined {
  return layer.prefixes.find((match) => {
    const key = match.pattern.toLowerCase();
    return name.length > key.length && name.startsWith(key) && PREFIX_BOUNDARIES.has(name.charAt(key.length));
  });
}
