/**
 * Money is integer micro-dollars (µ$): 1 USD = 1_000_000. Every balance, price and cost in storage is a safe
 * integer of µ$ (|x| ≤ 2^53−1 µ$, about $9 billion), so sums are exact and "0.1" + "0.2" is exactly "0.3".
 * Dollar strings and numbers are parsed by their decimal digits, never through binary floating point.
 *
 * Rounding: a usage's cost is computed exactly (as a bigint numerator over 1e6 tokens) and rounded ONCE, half up,
 * to the micro-dollar. So a 10-token embedding at $0.02/1M (0.2 µ$) costs 0 µ$, and 25 tokens (0.5 µ$) cost 1 µ$.
 *
 * @example
 * parseDollars('0.1') + parseDollars('0.2') === parseDollars('0.3'); // true
 * formatDollars(1_500_000); // '1.50'
 */

/** Integer micro-dollars. */
export type Micros = number;

export const MICROS_PER_DOLLAR = 1_000_000;
const MICRO_DECIMALS = 6;

/** Throws a RangeError unless `value` is a safe integer; returns it typed as {@link Micros}. */
export function assertMicros(value: number, what = 'amount'): Micros {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${what} must be a safe integer of micro-dollars, got ${String(value)}`);
  }
  return value;
}

/** Like {@link assertMicros} and also rejects negative values. */
export function assertNonNegativeMicros(value: number, what = 'amount'): Micros {
  assertMicros(value, what);
  if (value < 0) throw new RangeError(`${what} must not be negative, got ${value}`);
  return value;
}

export interface ParseDollarsOptions {
  /**
   * What to do with digits beyond the micro-dollar: `'reject'` (default) throws, `'half-up'` rounds half away
   * from zero.
   */
  rounding?: 'reject' | 'half-up';
}

const DECIMAL = /^([+-]?)\$?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a dollar amount ("1.5", "$0.02", "-3", "1e-6", or a JS number such as 0.1) into micro-dollars exactly.
 * Numbers go through their shortest round-trip decimal form (`String(0.1)` is "0.1"), so no float drift.
 */
export function parseDollars(value: string | number, options: ParseDollarsOptions = {}): Micros {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RangeError(`Not a finite dollar amount: ${String(value)}`);
  }
  const text = String(value).trim();
  const match = DECIMAL.exec(text);
  const [, sign = '', whole = '', fraction = '', exponentText] = match ?? [];
  if (match === null || whole.length + fraction.length === 0) {
    throw new RangeError(`Not a dollar amount: ${JSON.stringify(value)}`);
  }
  const exponent = exponentText === undefined ? 0 : Number.parseInt(exponentText, 10);
  if (Math.abs(exponent) > 30) throw new RangeError(`Dollar amount out of range: ${text}`);
  const digits = BigInt(whole + fraction || '0');
  // value = digits × 10^(exponent − fraction.length); micros = value × 10^6.
  const shift = exponent - fraction.length + MICRO_DECIMALS;
  let micros: bigint;
  if (shift >= 0) {
    micros = digits * 10n ** BigInt(shift);
  } else {
    const divisor = 10n ** BigInt(-shift);
    const remainder = digits % divisor;
    if (remainder !== 0n && (options.rounding ?? 'reject') === 'reject') {
      throw new RangeError(`${text} has more precision than a micro-dollar`);
    }
    micros = divideRoundHalfUp(digits, divisor);
  }
  if (sign === '-') micros = -micros;
  return fromBigMicros(micros, text);
}

export interface FormatDollarsOptions {
  /** Fewest decimals shown (trailing zeros are trimmed down to this). Default 2. */
  minDecimals?: number;
  /** Prefix, e.g. '$'. Default ''. */
  symbol?: string;
}

/** Formats micro-dollars as a decimal dollar string: 1_500_000 → "1.50", 1 → "0.000001", -20_000 → "-0.02". */
export function formatDollars(micros: Micros, options: FormatDollarsOptions = {}): string {
  assertMicros(micros);
  const minDecimals = Math.min(Math.max(options.minDecimals ?? 2, 0), MICRO_DECIMALS);
  const negative = micros < 0;
  const abs = Math.abs(micros);
  const whole = Math.floor(abs / MICROS_PER_DOLLAR);
  let fraction = String(abs % MICROS_PER_DOLLAR).padStart(MICRO_DECIMALS, '0');
  while (fraction.length > minDecimals && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  const body = fraction.length > 0 ? `${whole}.${fraction}` : String(whole);
  return `${negative ? '-' : ''}${options.symbol ?? ''}${body}`;
}

/** Integer division rounding half away from zero (half up for the non-negative amounts money deals in). */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('Division by zero');
  if (denominator < 0n) return divideRoundHalfUp(-numerator, -denominator);
  const negative = numerator < 0n;
  const abs = negative ? -numerator : numerator;
  // floor(abs/d + 1/2) without fractions: exact for odd and even denominators alike.
  const result = (2n * abs + denominator) / (2n * denominator);
  return negative ? -result : result;
}

/** Token counts to price; a missing count is `undefined` and costs nothing. */
export interface TokenUsage {
  /** All input tokens, INCLUDING `cachedTokens` (OpenAI's convention, which the adapters normalise to). */
  promptTokens?: number | undefined;
  /** All output tokens, including reasoning tokens (which are therefore not billed twice). */
  completionTokens?: number | undefined;
  /** The part of `promptTokens` read from the provider's prompt cache. */
  cachedTokens?: number | undefined;
  reasoningTokens?: number | undefined;
}

/** A model's price in micro-dollars per 1M tokens (and per request for `perRequest`). */
export interface MicroPrice {
  input: Micros;
  output: Micros;
  /** Price of cached input tokens; the input price when absent. */
  cachedInput?: Micros | undefined;
  /** Flat fee per request. */
  perRequest?: Micros | undefined;
}

const TOKENS_PER_PRICE_UNIT = 1_000_000n;

/**
 * The exact cost of one usage, rounded half up to the micro-dollar once at the end (per-request fee added as is).
 * Cached tokens beyond `promptTokens` are clamped to it.
 *
 * @example
 * costOf({ promptTokens: 1000, completionTokens: 500 }, { input: 150_000, output: 600_000 }); // 450 µ$
 */
export function costOf(usage: TokenUsage, price: MicroPrice): Micros {
  const prompt = tokenCount(usage.promptTokens, 'promptTokens');
  const cached = Math.min(tokenCount(usage.cachedTokens, 'cachedTokens'), prompt);
  const completion = tokenCount(usage.completionTokens, 'completionTokens');
  const numerator =
    BigInt(prompt - cached) * BigInt(price.input) +
    BigInt(cached) * BigInt(price.cachedInput ?? price.input) +
    BigInt(completion) * BigInt(price.output);
  const tokensCost = divideRoundHalfUp(numerator, TOKENS_PER_PRICE_UNIT);
  return fromBigMicros(tokensCost + BigInt(price.perRequest ?? 0), 'cost');
}

/** `micros × percent / 100` for an integer percent, rounded half up. */
export function percentOf(micros: Micros, percent: number): Micros {
  if (!Number.isInteger(percent) || percent < 0) throw new RangeError(`percent must be a non-negative integer`);
  return fromBigMicros(divideRoundHalfUp(BigInt(assertMicros(micros)) * BigInt(percent), 100n), 'amount');
}

function tokenCount(value: number | undefined, what: string): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer`);
  return value;
}

function fromBigMicros(value: bigint, what: string): Micros {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${what} is out of the safe micro-dollar range`);
  }
  return Number(value);
}
