import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isModelAllowed, matchesGlob } from '../pricing/glob.js';
import {
  apiKeyDisplayPrefix,
  createApiKeyHasher,
  generateApiKey,
  generateKeyId,
  hashApiKey,
  isApiKeyFormat,
  randomBase62,
  randomIdBase62,
} from './api-keys.js';

describe('API keys', () => {
  it('generates sk-lg- keys of 40 random base62 characters, all different', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey()));
    expect(keys.size).toBe(200);
    for (const key of keys) {
      expect(key).toMatch(/^sk-lg-[0-9A-Za-z]{40}$/);
      expect(isApiKeyFormat(key)).toBe(true);
    }
    expect(generateApiKey(32)).toHaveLength(38);
    expect(() => generateApiKey(31)).toThrow(RangeError);
    expect(generateKeyId()).toMatch(/^key_[0-9A-Za-z]{20}$/);
  });

  it('draws base62 characters uniformly', () => {
    const counts = new Map<string, number>();
    for (const char of randomBase62(62_000)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Modulo bias would make 0–7 about 25% more frequent than the rest (1250 vs 1000 expected).
    expect(Math.max(...counts.values())).toBeLessThan(1150);
    expect(Math.min(...counts.values())).toBeGreaterThan(850);
  });

  it('recognises the key shape only', () => {
    expect(isApiKeyFormat('sk-lg-short')).toBe(false);
    expect(isApiKeyFormat(`sk-xx-${'a'.repeat(40)}`)).toBe(false);
    expect(isApiKeyFormat(`sk-lg-${'a'.repeat(39)}!`)).toBe(false);
  });

  it('hashes with SHA-256, or HMAC-SHA-256 when a pepper is set', () => {
    const key = 'sk-lg-abc';
    expect(hashApiKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey(key, '')).toBe(hashApiKey(key));
    expect(hashApiKey(key, 'pepper')).toBe(createHmac('sha256', 'pepper').update(key).digest('hex'));
    expect(createApiKeyHasher('pepper')(key)).toBe(hashApiKey(key, 'pepper'));
    expect(hashApiKey(key, 'other')).not.toBe(hashApiKey(key, 'pepper'));
  });

  it('shows only a short prefix', () => {
    expect(apiKeyDisplayPrefix('sk-lg-abcdefghijklmnop')).toBe('sk-lg-abcd…');
    expect(apiKeyDisplayPrefix('master-secret-value')).toBe('master-s…');
  });
});

describe('model globs', () => {
  it('match case-insensitively with * and ?', () => {
    expect(matchesGlob('gpt-4o*', 'GPT-4o-mini')).toBe(true);
    expect(matchesGlob('gpt-4?', 'gpt-4o')).toBe(true);
    expect(matchesGlob('gpt-4?', 'gpt-4o-mini')).toBe(false);
    expect(matchesGlob('a.b', 'axb')).toBe(false);
  });

  it('decide key allow-lists on full and bare names', () => {
    expect(isModelAllowed(null, 'anything')).toBe(true);
    expect(isModelAllowed([], 'anything')).toBe(false);
    expect(isModelAllowed(['llamagate/*'], 'llamagate/qwen3-8b')).toBe(true);
    expect(isModelAllowed(['gpt-4o-mini'], 'openai/gpt-4o-mini')).toBe(true);
    expect(isModelAllowed(['gpt-4o-mini'], 'openai/gpt-4o')).toBe(false);
  });
});

describe('randomIdBase62', () => {
  it('draws uniform base62 ids from the pooled block, across its refills', () => {
    const ids = Array.from({ length: 1000 }, () => randomIdBase62(20));
    for (const id of ids) expect(id).toMatch(/^[0-9A-Za-z]{20}$/);
    // 20,000 characters cross the 4 KiB block several times; every id is new and every character appears.
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids.join('')).size).toBe(62);
  });
});
