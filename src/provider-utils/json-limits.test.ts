import { describe, expect, it } from 'vitest';
import { decodeUriComponentSafely, jsonDepth, parseJsonWithLimits } from './json-limits.js';

describe('parseJsonWithLimits', () => {
  it('counts depth without recursion, skipping brackets inside strings', () => {
    expect(jsonDepth('{"a":[1,{"b":"[[[[{{"}]}')).toBe(3);
    expect(jsonDepth('"\\"[["')).toBe(0);
    expect(jsonDepth('['.repeat(1_000_000))).toBe(1_000_000);
  });

  it('refuses input deeper than maxDepth with a 400 invalid_json naming the param', () => {
    const text = `${'['.repeat(65)}${']'.repeat(65)}`;
    expect(() => parseJsonWithLimits(text, { maxDepth: 64, param: 'metadata' })).toThrowErrorMatchingInlineSnapshot(
      `[BadRequestError: The request metadata nests arrays and objects deeper than 64 levels]`,
    );
    expect(parseJsonWithLimits(Buffer.from(text), { maxDepth: 65 })).toBeInstanceOf(Array);
    expect(() => parseJsonWithLimits('{"a":')).toThrow(/not valid JSON/);
  });

  it('decodes percent-encoding or answers 400', () => {
    expect(decodeUriComponentSafely('llama3.2%3Alatest', 'model')).toBe('llama3.2:latest');
    for (const bad of ['%', '%E0%A4%A', '%zz']) {
      expect(() => decodeUriComponentSafely(bad, 'model')).toThrow(
        expect.objectContaining({ status: 400, param: 'model' }),
      );
    }
  });
});
