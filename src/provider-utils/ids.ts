import { randomFillSync, randomUUID } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random bytes drawn from the OS a block at a time, as Node does for `randomUUID` (decision 0010). */
const randomBlock = Buffer.alloc(4096);
let randomOffset = randomBlock.length;

/** A random base62 id, e.g. `generateId('chatcmpl')` → `chatcmpl-3fK…`. */
export function generateId(prefix: string, length = 24, separator = '-'): string {
  if (length > randomBlock.length) throw new RangeError(`an id is at most ${randomBlock.length} characters`);
  if (randomOffset + length > randomBlock.length) {
    randomFillSync(randomBlock);
    randomOffset = 0;
  }
  let id = '';
  for (let i = 0; i < length; i++) id += ALPHABET[(randomBlock[randomOffset + i] as number) % 62];
  randomOffset += length;
  return prefix === '' ? id : `${prefix}${separator}${id}`;
}

export function generateToolCallId(): string {
  return generateId('call', 24, '_');
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

let lastMillis = -1;
/** The time part of the ids of `lastMillis` (`xxxxxxxx-xxxx-`), formatted once per millisecond. */
let timePrefix = '';

/**
 * A version-7 UUID (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. Ids made later sort later, so
 * the usage ledger's request-id index grows at its end instead of touching a random page per row. Within one
 * millisecond the random bits keep ids unique, not ordered. The random part is a v4 UUID's (Node draws those
 * from a pooled block of OS randomness) after its version digit.
 */
export function uuidV7(now = Date.now()): string {
  if (now > lastMillis) {
    lastMillis = now;
    const time = now.toString(16).padStart(12, '0');
    timePrefix = `${time.slice(0, 8)}-${time.slice(8)}-`;
  }
  return `${timePrefix}7${randomUUID().slice(15)}`;
}
