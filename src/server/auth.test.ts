import { describe, expect, it } from 'vitest';
import { AuthenticationError } from '../spec/errors.js';
import { extractCredential, requireApiKey, safeEqual } from './auth.js';

describe('API key auth', () => {
  it('reads X-API-Key first, then a Bearer token with the scheme in any case', () => {
    expect(extractCredential({ 'x-api-key': 'k1', authorization: 'Bearer k2' })).toBe('k1');
    expect(extractCredential({ authorization: 'bearer k2' })).toBe('k2');
    expect(extractCredential({ authorization: '  BEARER \t k2  ' })).toBe('k2');
    expect(extractCredential({ authorization: 'Bearer' })).toBeUndefined();
    expect(extractCredential({ authorization: 'Bearer   ' })).toBeUndefined();
    expect(extractCredential({ authorization: 'Bearerk2' })).toBeUndefined();
    expect(extractCredential({ authorization: 'Basic azI6' })).toBeUndefined();
    expect(extractCredential({ authorization: 'BEARER   k3 ' })).toBe('k3');
    expect(extractCredential({ authorization: 'Basic abc' })).toBeUndefined();
    expect(extractCredential({})).toBeUndefined();
  });

  it('compares in constant time whatever the lengths', () => {
    expect(safeEqual('secret', 'secret')).toBe(true);
    expect(safeEqual('secret', 'secreT')).toBe(false);
    expect(safeEqual('s', 'a much longer secret')).toBe(false);
    expect(safeEqual('secret-and-more', 'secret')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('', 'secret')).toBe(false);
    // A shorter guess after a right one must not match on bytes left from the earlier call.
    expect(safeEqual('secret', 'secret')).toBe(true);
    expect(safeEqual('secre', 'secret')).toBe(false);
    expect(safeEqual('clé-ü', 'clé-ü')).toBe(true);
    expect(safeEqual('clé-u', 'clé-ü')).toBe(false);
  });

  it('throws a 401 authentication error for missing or wrong keys', () => {
    expect(requireApiKey({ 'x-api-key': 'good' }, 'good')).toBe('good');
    for (const headers of [{}, { 'x-api-key': 'bad' }]) {
      let caught: unknown;
      try {
        requireApiKey(headers, 'good');
      } catch (error) {
        caught = error;
      }
      expect(AuthenticationError.isInstance(caught)).toBe(true);
      expect(caught).toMatchObject({ status: 401, type: 'invalid_request_error' });
    }
  });
});
