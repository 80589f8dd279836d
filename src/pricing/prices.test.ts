import { describe, expect, it } from 'vitest';
import { LLAMAGATE_CATALOGUE } from '../providers/llamagate/llamagate-catalogue.js';
import { DEFAULT_PRICES } from './default-prices.js';
import { PriceTable, toMicroPrice } from './prices.js';

describe('toMicroPrice', () => {
  it('converts dollars per 1M tokens to micro-dollars', () => {
    expect(toMicroPrice({ input: 0.15, output: '0.60', cachedInput: '0.075', perRequest: '0.001' })).toEqual({
      input: 150_000,
      output: 600_000,
      cachedInput: 75_000,
      perRequest: 1000,
    });
    expect(toMicroPrice({ input: '0.02' })).toEqual({ input: 20_000, output: 0 });
    expect(() => toMicroPrice({ input: -1 }, 'bad')).toThrow(/bad.input/);
    expect(() => PriceTable.fromConfig({ x: { input: 'cheap' } })).toThrow(RangeError);
  });
});

describe('PriceTable', () => {
  const table = PriceTable.fromConfig({
    'my-model': { input: '1', output: '2' },
    'groq/*': { input: '0.5', output: '0.5' },
    'groq/llama-*': { input: '0.25', output: '0.25' },
    'gpt-4o': { input: '100', output: '100' },
  });

  it('finds exact names, with or without a provider prefix, case-insensitively', () => {
    expect(table.lookup('my-model')?.pattern).toBe('my-model');
    expect(table.lookup('llamagate/llama-3.1-8b')?.pattern).toBe('llamagate/llama-3.1-8b');
    expect(table.lookup('llamagate/llama-3.1-8b')?.price).toEqual({ input: 30_000, output: 50_000 });
    expect(table.lookup('LlamaGate/Llama-3.1-8B')?.pattern).toBe('llamagate/llama-3.1-8b');
    expect(table.lookup('gateway/llamagate/llama-3.1-8b')?.pattern).toBe('llamagate/llama-3.1-8b');
    expect(table.lookup('openrouter/meta/my-model')?.pattern).toBe('my-model');
  });

  it('prefers the most specific glob', () => {
    expect(table.lookup('groq/llama-3.3-70b')?.pattern).toBe('groq/llama-*');
    expect(table.lookup('groq/gemma2-9b')?.pattern).toBe('groq/*');
  });

  it('lets config override the shipped defaults', () => {
    expect(table.lookup('gpt-4o')?.price.input).toBe(100_000_000);
    expect(table.lookup('gpt-4o-mini')?.price.input).toBe(150_000);
    const defaultsOnly = PriceTable.fromConfig();
    expect(defaultsOnly.lookup('gpt-4o')?.price).toEqual({
      input: 2_500_000,
      output: 10_000_000,
      cachedInput: 1_250_000,
    });
    expect(PriceTable.fromConfig({}, { includeDefaults: false }).lookup('gpt-4o')).toBeUndefined();
  });

  it('maps dated snapshots to their family but never a longer sibling', () => {
    const prices = PriceTable.fromConfig();
    expect(prices.lookup('gpt-4o-2024-08-06')?.pattern).toBe('gpt-4o');
    expect(prices.lookup('gpt-4o-mini-2024-07-18')?.pattern).toBe('gpt-4o-mini');
    expect(prices.lookup('claude-sonnet-4-20250514')?.pattern).toBe('claude-sonnet-4');
    expect(prices.lookup('anthropic/claude-3-5-haiku-latest')?.pattern).toBe('claude-3-5-haiku');
    expect(prices.lookup('gemini-2.5-flash-lite-preview-06-17')?.pattern).toBe('gemini-2.5-flash-lite');
    expect(prices.lookup('groq/llama-3.1-8b-instant')?.pattern).toBe('llama-3.1-8b-instant');
    expect(prices.lookup('gpt-4.1')?.pattern).toBe('gpt-4.1');
    expect(prices.lookup('gpt-4')).toBeUndefined();
    expect(prices.lookup('gpt-4o2')).toBeUndefined();
  });

  it('prices usage, cache hits and unknown models', () => {
    expect(table.cost('llamagate/llama-3.1-8b', { promptTokens: 1000, completionTokens: 100 })).toEqual({
      cost: 35,
      priced: true,
      pattern: 'llamagate/llama-3.1-8b',
    });
    expect(table.cost('unknown-model', { promptTokens: 1000 })).toEqual({ cost: 0, priced: false });
    expect(table.cost('my-model', { promptTokens: 1000 }, { cacheHit: true }).cost).toBe(0);
    const half = PriceTable.fromConfig({ m: { input: '1', output: '0' } }, { cacheHit: { percent: 50 } });
    expect(half.cost('m', { promptTokens: 1001 }, { cacheHit: true }).cost).toBe(501);
    const full = PriceTable.fromConfig({ m: { input: '1', output: '0' } }, { cacheHit: 'full' });
    expect(full.cost('m', { promptTokens: 1001 }, { cacheHit: true }).cost).toBe(1001);
    const fallback = PriceTable.fromConfig({}, { fallback: { input: '1', output: '1' } });
    expect(fallback.cost('anything', { promptTokens: 10 })).toEqual({ cost: 10, priced: true, pattern: '*' });
    expect(() => PriceTable.fromConfig({}, { cacheHit: { percent: -5 } })).toThrow(RangeError);
  });

  it('bounds a request before it runs', () => {
    expect(table.maxCost('my-model', { promptTokens: 1000, maxOutputTokens: 500 }).cost).toBe(2000);
  });

  it('bounds an absurd output allowance by the largest count a call can report, instead of overflowing', () => {
    const pricey = PriceTable.fromConfig({ m: { input: '30.00', output: '60.00' } });
    const largest = pricey.maxCost('m', { promptTokens: 10, maxOutputTokens: 2_147_483_647 });
    expect(largest.cost).toBe(300 + 2_147_483_647 * 60);
    for (const maxOutputTokens of [Number.MAX_SAFE_INTEGER, 1e308])
      expect(pricey.maxCost('m', { promptTokens: 10, maxOutputTokens })).toEqual(largest);
  });
});

describe('default prices', () => {
  it('price every model of the LlamaGate-hosted catalogue inside its published band', () => {
    const prices = PriceTable.fromConfig();
    // [input min, input max, output min, output max] in micro-dollars per 1M tokens.
    const bands: Record<string, [number, number, number, number]> = {
      embedding: [20_000, 20_000, 0, 0],
      small: [30_000, 40_000, 80_000, 80_000],
      general: [30_000, 150_000, 50_000, 550_000],
      vision: [30_000, 150_000, 50_000, 550_000],
      code: [60_000, 100_000, 120_000, 200_000],
      reasoning: [80_000, 100_000, 150_000, 200_000],
    };
    expect(LLAMAGATE_CATALOGUE).toHaveLength(21);
    for (const model of LLAMAGATE_CATALOGUE) {
      const price = prices.lookup(`llamagate/${model.id}`)?.price;
      const band = model.sizeB <= 4 && model.category === 'vision' ? bands.small : bands[model.category];
      const [inMin, inMax, outMin, outMax] = band ?? [0, 0, 0, 0];
      expect(price?.input, model.id).toBeGreaterThanOrEqual(inMin);
      expect(price?.input, model.id).toBeLessThanOrEqual(inMax);
      expect(price?.output, model.id).toBeGreaterThanOrEqual(outMin);
      expect(price?.output, model.id).toBeLessThanOrEqual(outMax);
    }
  });

  it('keep hosted prices to their provider: a local model of the same name is unpriced', () => {
    const prices = PriceTable.fromConfig();
    expect(prices.lookup('llamagate/nomic-embed-text')?.pattern).toBe('llamagate/nomic-embed-text');
    expect(prices.lookup('nomic-embed-text:latest')).toBeUndefined();
    expect(prices.lookup('ollama/nomic-embed-text:latest')).toBeUndefined();
    expect(prices.lookup('llama-3.1-8b')).toBeUndefined();
  });

  it("never price a model behind a self-hosted prefix by a hosted provider's shipped price; configured prices do", () => {
    const prices = PriceTable.fromConfig({ 'mine-*': { input: '1', output: '1' }, 'vllm/*': { input: '2' } });
    expect(prices.lookup('mistral-large-latest')?.pattern).toBe('mistral-large');
    expect(prices.lookup('mistral/mistral-large-latest')?.pattern).toBe('mistral-large');
    for (const local of ['ollama/mistral-large:latest', 'ollama/deepseek-chat', 'ollama/gpt-4o-mini']) {
      expect(prices.lookup(local), local).toBeUndefined();
    }
    // An OpenAI-compatible backend may be a proxy to the hosted API: the name keeps its list price.
    expect(prices.lookup('openai-compatible/gpt-4o-mini')?.pattern).toBe('gpt-4o-mini');
    expect(prices.lookup('ollama/mine-1')?.pattern).toBe('mine-*');
    expect(prices.lookup('vllm/gpt-4o')?.pattern).toBe('vllm/*');
    expect(prices.lookupConfigured('local/mine-2')?.pattern).toBe('mine-*');
    expect(prices.lookupConfigured('local/gpt-4o')).toBeUndefined();
  });

  it('are all valid', () => {
    for (const [model, entry] of Object.entries(DEFAULT_PRICES)) expect(() => toMicroPrice(entry, model)).not.toThrow();
    expect(Object.keys(DEFAULT_PRICES)).toEqual(
      expect.arrayContaining([
        'gpt-4o',
        'claude-3-5-sonnet',
        'gemini-2.5-pro',
        'deepseek-reasoner',
        'text-embedding-3-large',
      ]),
    );
  });
});

describe('remembered lookups', () => {
  it('answer the same as a fresh table, past the bound of remembered names and for long names', () => {
    const config = { 'my-model': { input: '1', output: '2' }, 'fam-*': { input: '3' } };
    const table = PriceTable.fromConfig(config);
    const names = [
      ...Array.from({ length: 1500 }, (_, index) => (index % 3 === 0 ? `my-model:${index}` : `other-${index}`)),
      `fam-${'x'.repeat(300)}`,
    ];
    for (const round of [0, 1]) {
      for (const name of names) {
        expect({ round, name, match: table.lookup(name) }).toEqual({
          round,
          name,
          match: PriceTable.fromConfig(config).lookup(name),
        });
      }
    }
  });
});
