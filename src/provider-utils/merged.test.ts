import { describe, expect, it } from 'vitest';
import { merged } from './merged.js';

describe('merged', () => {
  it('is the spread of its parts: later keys win, undefined parts add nothing, the parts stay as they were', () => {
    const base = { accept: 'application/json', authorization: 'Bearer a' };
    const extra = { authorization: 'Bearer b', 'x-request-id': 'r1' };
    const result = merged(base, undefined, extra);
    expect(result).toEqual({ ...base, ...extra });
    expect(Object.keys(result)).toEqual(['accept', 'authorization', 'x-request-id']);
    expect(base).toEqual({ accept: 'application/json', authorization: 'Bearer a' });
    expect(result).not.toBe(base);
  });

  it('keeps an own __proto__ key (as JSON.parse makes it) an own property, never the prototype', () => {
    const client = JSON.parse('{"model":"m","__proto__":{"stream":true}}') as Record<string, unknown>;
    const result = merged(client, { model: 'served' }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(result.stream).toBeUndefined();
    expect(JSON.stringify(result)).toBe('{"model":"served","__proto__":{"stream":true}}');
    expect(JSON.stringify(result)).toBe(JSON.stringify({ ...client, model: 'served' }));
  });
});
