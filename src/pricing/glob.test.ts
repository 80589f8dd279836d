import { describe, expect, it } from 'vitest';
import { isModelAllowed, matchesGlob } from './glob.js';
import { PriceTable } from './prices.js';

describe('globs cannot be escaped with path tricks', () => {
  it('a key limited to gemini/gemini-2.0-flash* cannot reach another URL path', () => {
    const allow = ['gemini/gemini-2.0-flash*'];
    expect(isModelAllowed(allow, 'gemini/gemini-2.0-flash-001')).toBe(true);
    expect(isModelAllowed(allow, 'gemini/gemini-2.0-flash/../../v1beta/cachedContents?y=#')).toBe(false);
    expect(isModelAllowed(allow, 'gemini/gemini-2.0-flash/x')).toBe(false);
    expect(isModelAllowed(allow, 'gemini/gemini-2.0-flash-x?y')).toBe(false);
    expect(isModelAllowed(allow, 'gemini/gemini-2.0-flash\u0000')).toBe(false);
  });

  it('a whole final segment * and ** still span provider-style names with slashes', () => {
    expect(matchesGlob('groq/*', 'groq/meta-llama/llama-4-scout')).toBe(true);
    expect(matchesGlob('*', 'together/meta-llama/Llama-3')).toBe(true);
    expect(matchesGlob('together/**-Turbo', 'together/meta-llama/Llama-3-Turbo')).toBe(true);
    expect(matchesGlob('together/meta-*', 'together/meta-llama/Llama-3')).toBe(false);
    expect(matchesGlob('gpt-4?', 'gpt-4/')).toBe(false);
  });

  it('no glob matches a name with a . or .. segment, an empty segment, # or a backslash', () => {
    for (const name of ['groq/../openai/gpt-4o', 'groq/./x', 'groq//x', 'groq/x#', 'groq/a\\..\\b', '..']) {
      expect(matchesGlob('groq/*', name), name).toBe(false);
      expect(matchesGlob('**', name), name).toBe(false);
    }
  });

  it('price globs follow the same rule', () => {
    const table = PriceTable.fromConfig({ 'gemini/gemini-2.0-flash*': { input: '1', output: '2' } });
    expect(table.lookup('gemini/gemini-2.0-flash-001')?.pattern).toBe('gemini/gemini-2.0-flash*');
    expect(table.lookup('gemini/gemini-2.0-flash/../x')?.pattern).not.toBe('gemini/gemini-2.0-flash*');
  });
});
