import { randomBytes, randomUUID } from 'node:crypto';

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

let lastMillis = 0;
let prefixMillis = -1;
let prefix = '';

/**
 * A version-7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids made later sort later, so
 * the usage ledger's request-id index grows at its end instead of touching a random page per row (one
 * request id per gateway request). Within one millisecond the random bits keep ids unique, not ordered.
 *
 * The random part is the tail of `randomUUID()` (drawn from Node's cached entropy pool: no call into OpenSSL
 * per id), whose variant bits are already RFC 9562's; the time prefix is formatted once per millisecond.
 */
export function uuidV7(now = Date.now()): string {
  const millis = Math.max(now, lastMillis);
  lastMillis = millis;
  if (millis !== prefixMillis) {
    const hex = millis.toString(16).padStart(12, '0');
    prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7`;
    prefixMillis = millis;
  }
  return prefix + randomUUID().slice(15);
}
