import { describe, expect, it } from 'vitest';
import { generateId, generateToolCallId, uuidV7 } from './ids.js';

describe('uuidV7', () => {
  it('is an RFC 9562 version-7 UUID carrying the millisecond timestamp', () => {
    const id = uuidV7(Date.UTC(2026, 10, 21, 12, 0, 0));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2026, 10, 21, 12, 0, 0));
  });

  it('sorts ids made in later milliseconds after earlier ones; a clock that steps back does not go back', () => {
    const start = Date.UTC(2027, 0, 1);
    const ids = [uuidV7(start), uuidV7(start + 1), uuidV7(start + 250)];
    expect([...ids].sort()).toEqual(ids);
    const millis = (id: string) => Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    expect(millis(uuidV7(start + 100))).toBe(start + 250);
  });

  it('stays unique within one millisecond', () => {
    const now = Date.UTC(2028, 0, 1);
    const ids = new Set(Array.from({ length: 20_000 }, () => uuidV7(now)));
    expect(ids.size).toBe(20_000);
  });

  it('keeps the time prefix right across the 32-bit boundary and at the largest 48-bit millisecond', () => {
    // Ascending (ids never go back in time) and later than the other tests' clocks.
    for (const millis of [0x01ff_ffff_ffff, 0x0200_0000_0000, 0x0200_0000_0001, 0xffff_ffff_ffff]) {
      const id = uuidV7(millis);
      expect(id.slice(0, 13)).toBe(
        `${millis.toString(16).padStart(12, '0').slice(0, 8)}-${millis.toString(16).padStart(12, '0').slice(8)}`,
      );
    }
  });

  it('spreads its random digits: every hex digit shows up in every random position', () => {
    const seen = Array.from({ length: 36 }, () => new Set<string>());
    for (let i = 0; i < 4000; i++) {
      const id = uuidV7();
      for (let at = 0; at < 36; at++) seen[at]?.add(id[at] as string);
    }
    const randomPositions = [15, 16, 17, 20, 21, 22, ...Array.from({ length: 12 }, (_, i) => 24 + i)];
    for (const at of randomPositions) expect(seen[at]?.size, `position ${at}`).toBe(16);
    expect([...(seen[19] ?? [])].sort()).toEqual(['8', '9', 'a', 'b']);
  });
});

describe('generateId', () => {
  it('is the prefix, the separator and base62 characters, distinct across block refills', () => {
    expect(generateId('chatcmpl')).toMatch(/^chatcmpl-[0-9A-Za-z]{24}$/);
    expect(generateToolCallId()).toMatch(/^call_[0-9A-Za-z]{24}$/);
    expect(generateId('', 8)).toMatch(/^[0-9A-Za-z]{8}$/);
    // 1,000 ids of 24 characters span several 4 KiB blocks of randomness.
    const ids = new Set(Array.from({ length: 1000 }, () => generateId('x', 24)));
    expect(ids.size).toBe(1000);
    expect(generateId('big', 4096)).toHaveLength(4100);
    expect(() => generateId('huge', 4097)).toThrow(RangeError);
  });
});
