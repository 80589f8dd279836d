import { describe, expect, it } from 'vitest';
import { RecentResults } from './recent-results.js';

describe('RecentResults', () => {
  it('computes a key once and answers from memory after, an undefined or null result included', () => {
    const results = new RecentResults<string | null | undefined>(10);
    const computed: string[] = [];
    const compute = (key: string) => {
      computed.push(key);
      return key === 'none' ? null : key === 'unknown' ? undefined : key.toUpperCase();
    };
    for (let i = 0; i < 3; i++) {
      expect(results.get('abc', compute)).toBe('ABC');
      expect(results.get('none', compute)).toBeNull();
      expect(results.get('unknown', compute)).toBeUndefined();
    }
    expect(computed).toEqual(['abc', 'none', 'unknown']);
  });

  it('keeps at most maxEntries, starting over when full', () => {
    const results = new RecentResults<number>(2);
    let calls = 0;
    const compute = (key: string) => {
      calls++;
      return key.length;
    };
    results.get('a', compute);
    results.get('bb', compute);
    results.get('ccc', compute); // full: starts over with this one
    results.get('ccc', compute);
    expect(calls).toBe(3);
    results.get('a', compute);
    expect(calls).toBe(4);
  });

  it('never keeps a key longer than maxKeyLength: it is computed every time', () => {
    const results = new RecentResults<number>(10, 4);
    let calls = 0;
    const compute = (key: string) => {
      calls++;
      return key.length;
    };
    expect(results.get('12345', compute)).toBe(5);
    expect(results.get('12345', compute)).toBe(5);
    expect(calls).toBe(2);
    results.get('1234', compute);
    results.get('1234', compute);
    expect(calls).toBe(3);
  });
});
