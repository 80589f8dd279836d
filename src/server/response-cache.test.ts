import { describe, expect, it } from 'vitest';
import { cacheGroupsByKey, cacheScope, chatCacheKey, LruCache, stableStringify } from './response-cache.js';

describe('response cache', () => {
  it('expires entries after the TTL and evicts the least recently used past the bound', () => {
    let now = 0;
    const cache = new LruCache<string>(2, 100, () => now);
    cache.set('a', '1');
    cache.set('b', '2');
    expect(cache.get('a')).toBe('1');
    cache.set('c', '3');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe('1');
    now = 150;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('keys on every answer-changing field regardless of field order, ignoring stream and user', () => {
    const base = { model: 'x', messages: [{ role: 'user', content: 'q' }], temperature: 0 };
    const key = chatCacheKey('b', 'm', base);
    expect(chatCacheKey('b', 'm', { temperature: 0, messages: [{ content: 'q', role: 'user' }], model: 'y' })).toBe(
      key,
    );
    expect(chatCacheKey('b', 'm', { ...base, stream: false, user: 'u' })).toBe(key);
    for (const change of [
      { temperature: 1 },
      { max_tokens: 5 },
      { seed: 1 },
      { tools: [] },
      { tool_choice: 'none' },
      { response_format: { type: 'json_object' } },
    ]) {
      expect(chatCacheKey('b', 'm', { ...base, ...change })).not.toBe(key);
    }
    expect(chatCacheKey('b', 'other-model', base)).not.toBe(key);
    expect(chatCacheKey('other-backend', 'm', base)).not.toBe(key);
    const schemaA = {
      type: 'json_schema',
      json_schema: { name: 'a', schema: { type: 'object', properties: { a: { type: 'string' } } } },
    };
    const schemaB = {
      type: 'json_schema',
      json_schema: { name: 'a', schema: { type: 'object', properties: { b: { type: 'string' } } } },
    };
    expect(chatCacheKey('b', 'm', { ...base, response_format: schemaA })).not.toBe(
      chatCacheKey('b', 'm', { ...base, response_format: schemaB }),
    );
  });

  it('stringifies stably', () => {
    expect(stableStringify({ b: 1, a: [{ d: 2, c: 3 }], u: undefined })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
});

describe('cache scope', () => {
  it('a key in a cache group shares its scope with the group; any other key has its own; no key shares the empty one', () => {
    const groups = cacheGroupsByKey({ team: ['key_a', 'key_b'] });
    expect(cacheScope('key_a', groups)).toBe('group:team');
    expect(cacheScope('key_b', groups)).toBe('group:team');
    expect(cacheScope('key_c', groups)).toBe('key:key_c');
    expect(cacheScope(undefined, groups)).toBe('');
  });
});
