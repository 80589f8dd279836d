import { randomBytes, randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random base62 id, e.g. `generateId('chatcmpl')` → `chatcmpl-3fK…`. */
export function generateId(prefix: string, length = 24, separator = '-'): string {
  const bytes = randomBytes(length);
  let id = '';
  for (let i = 0; i < length; i++) id += ALPHABET[(bytes[i] as number) % 62];
  return prefix === '' ? id : `${prefix}${separator}${id}`;
}

export function generateToolCallId(): string {
  return generateId('call', 24, '_');
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

const uuidBytes = Buffer.alloc(16);
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
let lastMillis = 0;

/**
 * A version-7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids made later sort later, so
 * the usage ledger's request-id index grows at its end instead of touching a random page per row (one
 * request id per gateway request). Within one millisecond the random bits keep ids unique, not ordered.
 */
export function uuidV7(now = Date.now()): string {
  const millis = Math.max(now, lastMillis);
  lastMillis = millis;
  const bytes = randomFillSync(uuidBytes, 6, 10);
  bytes.writeUIntBE(millis, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] as number) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f);
  let id = '';
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) id += '-';
    id += HEX[bytes[i] as number];
  }
  return id;
}
