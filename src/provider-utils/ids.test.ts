import { describe, expect, it } from 'vitest';
import { uuidV7 } from './ids.js';

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
});
