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

/** Lower-case hex digits as character codes. */
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** The id is formatted here, then read out as one string: no string concatenation per id. */
const idBytes = Buffer.from('00000000-0000-7000-8000-000000000000', 'latin1');
/** Random bytes, drawn from the OS in blocks and used ten per id. */
const RANDOM_BLOCK = 4096;
const randomPool = Buffer.alloc(RANDOM_BLOCK);
let randomOffset = RANDOM_BLOCK;
let lastMillis = 0;
let prefixMillis = -1;

function writeHexByte(byte: number, at: number): void {
  idBytes[at] = HEX[byte >> 4] as number;
  idBytes[at + 1] = HEX[byte & 15] as number;
}

/**
 * A version-7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits. Ids made later sort later, so
 * the usage ledger's request-id index grows at its end instead of touching a random page per row (one
 * request id per gateway request). Within one millisecond the random bits keep ids unique, not ordered.
 *
 * 74 random bits per id come from a block of OS randomness (`randomFillSync`, refilled every ~400 ids); the
 * id is written into a byte buffer, the time prefix only when the millisecond changes, and read out once.
 */
export function uuidV7(now = Date.now()): string {
  const millis = Math.max(now, lastMillis);
  lastMillis = millis;
  if (millis !== prefixMillis) {
    prefixMillis = millis;
    // 48 bits as 8 + 4 hex digits: the high 16 bits and the low 32 bits (exact integers, no float formatting).
    const high = Math.floor(millis / 0x1_0000_0000);
    const low = millis - high * 0x1_0000_0000;
    writeHexByte((high >> 8) & 255, 0);
    writeHexByte(high & 255, 2);
    writeHexByte(low >>> 24, 4);
    writeHexByte((low >>> 16) & 255, 6);
    writeHexByte((low >>> 8) & 255, 9);
    writeHexByte(low & 255, 11);
  }
  if (randomOffset + 10 > RANDOM_BLOCK) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const r = randomOffset;
  randomOffset += 10;
  // rand_a: 12 bits after the version digit 7.
  idBytes[15] = HEX[(randomPool[r] as number) & 15] as number;
  writeHexByte(randomPool[r + 1] as number, 16);
  // The variant digit (binary 10xx), then 62 more random bits.
  idBytes[19] = HEX[8 | ((randomPool[r + 2] as number) & 3)] as number;
  idBytes[20] = HEX[(randomPool[r + 2] as number) >> 4] as number;
  writeHexByte(randomPool[r + 3] as number, 21);
  for (let i = 0; i < 6; i++) writeHexByte(randomPool[r + 4 + i] as number, 24 + 2 * i);
  return idBytes.toString('latin1', 0, 36);
}
