import { describe, expect, it } from 'vitest';
import { postgresArrayLiteral } from './postgres-text.js';

describe('postgresArrayLiteral', () => {
  it('quotes every string, escapes only quotes and backslashes, and writes NULL, numbers and booleans bare', () => {
    const literal = postgresArrayLiteral([
      'plain',
      '"q"',
      'a\\b',
      '{x},y',
      '',
      'NULL',
      null,
      undefined,
      42,
      -1.5,
      true,
    ]);
    expect(literal).toBe('{"plain","\\"q\\"","a\\\\b","{x},y","","NULL",NULL,NULL,42,-1.5,true}');
    expect(postgresArrayLiteral([])).toBe('{}');
  });

  it('leaves U+0000 to NulSafeClient, which replaces it in every parameter (postgres-storage.test.ts)', () => {
    expect(postgresArrayLiteral(['a\u0000b\u0000'])).toBe('{"a\u0000b\u0000"}');
  });

  it('refuses a value it has no literal for', () => {
    expect(() => postgresArrayLiteral([{ a: 1 }])).toThrow('a Postgres array element cannot be a object');
  });
});
