import { describe, expect, it } from 'vitest';
import { costOf, divideRoundHalfUp, formatDollars, parseDollars, percentOf } from './money.js';

describe('parseDollars', () => {
  it('adds decimal amounts without float drift', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(parseDollars('0.1') + parseDollars('0.2')).toBe(parseDollars('0.3'));
    expect(parseDollars(0.1) + parseDollars(0.2)).toBe(300_000);
    expect(formatDollars(parseDollars('0.1') + parseDollars('0.2'))).toBe('0.30');
  });

  it('reads strings, numbers, signs, a $ and exponents exactly', () => {
    expect(parseDollars('1.5')).toBe(1_500_000);
    expect(parseDollars('$0.02')).toBe(20_000);
    expect(parseDollars(' -3 ')).toBe(-3_000_000);
    expect(parseDollars('.5')).toBe(500_000);
    expect(parseDollars('7.')).toBe(7_000_000);
    expect(parseDollars(1e-6)).toBe(1);
    expect(parseDollars('2.5e3')).toBe(2_500_000_000);
    expect(parseDollars('0.000001000')).toBe(1);
    expect(parseDollars(0.075)).toBe(75_000);
    expect(parseDollars('9000000000')).toBe(9_000_000_000_000_000);
  });

  it('rejects garbage, sub-micro precision (unless rounding) and out-of-range amounts', () => {
    for (const bad of ['', 'abc', '1.2.3', '1,5', '--1', '.', 'e5', Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => parseDollars(bad)).toThrow(RangeError);
    }
    expect(() => parseDollars('0.0000005')).toThrow(/precision/);
    expect(parseDollars('0.0000005', { rounding: 'half-up' })).toBe(1);
    expect(parseDollars('0.0000004', { rounding: 'half-up' })).toBe(0);
    expect(parseDollars('-0.0000015', { rounding: 'half-up' })).toBe(-2);
    expect(() => parseDollars('10000000000')).toThrow(/safe/);
  });
});

describe('formatDollars', () => {
  it('shows at least two decimals and at most six', () => {
    expect(formatDollars(1_500_000)).toBe('1.50');
    expect(formatDollars(1)).toBe('0.000001');
    expect(formatDollars(-20_000)).toBe('-0.02');
    expect(formatDollars(123_456_789)).toBe('123.456789');
    expect(formatDollars(5_000_000, { minDecimals: 0, symbol: '$' })).toBe('$5');
    expect(formatDollars(0)).toBe('0.00');
    expect(() => formatDollars(0.5)).toThrow(RangeError);
  });
});

describe('divideRoundHalfUp', () => {
  it('rounds halves away from zero and everything else to nearest', () => {
    expect(divideRoundHalfUp(5n, 10n)).toBe(1n);
    expect(divideRoundHalfUp(4n, 10n)).toBe(0n);
    expect(divideRoundHalfUp(15n, 10n)).toBe(2n);
    expect(divideRoundHalfUp(-5n, 10n)).toBe(-1n);
    expect(divideRoundHalfUp(1n, 3n)).toBe(0n);
    expect(divideRoundHalfUp(2n, 3n)).toBe(1n);
    expect(divideRoundHalfUp(7n, -2n)).toBe(-4n);
    expect(() => divideRoundHalfUp(1n, 0n)).toThrow(RangeError);
  });
});

describe('costOf', () => {
  const gpt4oMini = { input: 150_000, output: 600_000, cachedInput: 75_000 };

  it('prices input, cached input and output per 1M tokens, rounding once at the end', () => {
    expect(costOf({ promptTokens: 1000, completionTokens: 500 }, gpt4oMini)).toBe(450);
    // 600 uncached × 0.15 + 400 cached × 0.075 + 500 × 0.6 (per 1M) = 90 + 30 + 300 µ$.
    expect(costOf({ promptTokens: 1000, cachedTokens: 400, completionTokens: 500 }, gpt4oMini)).toBe(420);
    // 10 tokens × $0.02/1M = 0.2 µ$ → 0; 25 tokens = 0.5 µ$ → 1 (half up).
    expect(costOf({ promptTokens: 10 }, { input: 20_000, output: 0 })).toBe(0);
    expect(costOf({ promptTokens: 25 }, { input: 20_000, output: 0 })).toBe(1);
    // Three components of 0.4 µ$ each round once (1.2 → 1), not three times (0).
    expect(costOf({ promptTokens: 4, completionTokens: 4, cachedTokens: 2 }, { input: 100_000, output: 100_000 })).toBe(
      1,
    );
  });

  it('treats unknown counts as zero, clamps cached tokens and adds the per-request fee', () => {
    expect(costOf({}, { input: 1, output: 1, perRequest: 5000 })).toBe(5000);
    expect(costOf({ promptTokens: 100, cachedTokens: 500 }, { input: 1_000_000, output: 0, cachedInput: 0 })).toBe(0);
    expect(costOf({ cachedTokens: 10, completionTokens: 1_000_000 }, { input: 0, output: 10_000_000 })).toBe(
      10_000_000,
    );
    // Reasoning tokens are part of completion tokens and are not billed again.
    expect(costOf({ completionTokens: 100, reasoningTokens: 80 }, { input: 0, output: 1_000_000 })).toBe(100);
  });

  it('stays exact for huge counts and rejects invalid ones', () => {
    expect(costOf({ promptTokens: 2_000_000_000 }, { input: 15_000_000, output: 0 })).toBe(30_000_000_000);
    expect(() => costOf({ promptTokens: -1 }, gpt4oMini)).toThrow(RangeError);
    expect(() => costOf({ promptTokens: 1.5 }, gpt4oMini)).toThrow(RangeError);
  });

  it('takes integer percentages with half-up rounding', () => {
    expect(percentOf(1000, 50)).toBe(500);
    expect(percentOf(5, 50)).toBe(3);
    expect(() => percentOf(10, 12.5)).toThrow(RangeError);
  });
});
