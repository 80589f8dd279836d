/** Prices as written in config: USD per 1M tokens, as numbers or exact decimal strings. */
export type DollarAmount = number | string;

/** One model's price as written in config: USD per 1M tokens, `perRequest` in USD per request. */
export interface PriceConfigEntry {
  input: DollarAmount;
  /** Defaults to 0 (embeddings). */
  output?: DollarAmount;
  /** Cached (prompt-cache read) input tokens; the input price when absent. */
  cachedInput?: DollarAmount;
  perRequest?: DollarAmount;
}

/** Model name or glob → price. Keys may carry a provider prefix (`groq/*`) or be bare (`gpt-4o`). */
export type PriceConfig = Record<string, PriceConfigEntry>;
