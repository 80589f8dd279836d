import { describe, expect, it } from 'vitest';
import { decodeUriComponentSafely, nestsDeeperThan, parseJsonWithLimits } from './json-limits.js';

describe('parseJsonWithLimits', () => {
  it('measures nesting on the parsed value (brackets inside strings do not count), never deeper than the limit', () => {
    const value = JSON.parse('{"a":[1,{"b":"[[[[{{"}]}');
    expect([nestsDeeperThan(value, 2), nestsDeeperThan(value, 3)]).toEqual([true, false]);
    expect([
      nestsDeeperThan('[[', 0),
      nestsDeeperThan(null, 0),
      nestsDeeperThan({}, 0),
      nestsDeeperThan([], 1),
    ]).toEqual([false, false, true, false]);
    // A million levels: parsed, then judged after walking only as deep as the limit (no stack overflow).
    expect(nestsDeeperThan(JSON.parse(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`), 128)).toBe(true);
    const exactly128 = JSON.parse(`${'[{"a":'.repeat(64)}1${'}]'.repeat(64)}`);
    expect([nestsDeeperThan(exactly128, 128), nestsDeeperThan(exactly128, 127)]).toEqual([false, true]);
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
