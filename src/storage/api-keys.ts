/**
 * Virtual API keys: `sk-lg-` + 40 random base62 characters (≈238 bits). Only a hash is stored: SHA-256 hex, or
 * HMAC-SHA-256 with a server pepper when one is configured (a leaked database then cannot be brute-forced
 * offline without the pepper). The plaintext is shown once, at creation or rotation.
 */
import { createHmac, hash, randomBytes, randomFillSync } from 'node:crypto';

export const API_KEY_PREFIX = 'sk-lg-';
export const API_KEY_RANDOM_LENGTH = 40;
const MIN_RANDOM_LENGTH = 32;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${MIN_RANDOM_LENGTH},128}$`);

/** Uniform base62 from `bytes` (rejection sampling: bytes ≥ 248 are discarded so no character is favoured). */
function base62From(length: number, bytes: (count: number) => Uint8Array): string {
  let out = '';
  while (out.length < length) {
    for (const byte of bytes(Math.ceil((length - out.length) * 1.1) + 4)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** Uniform random base62, each call from fresh OS randomness (keys and key ids). */
export function randomBase62(length: number): string {
  return base62From(length, randomBytes);
}

/** Random bytes for ids (not secrets) drawn from the OS a block at a time, as Node does for `randomUUID`. */
const idBlock = Buffer.alloc(4096);
let idOffset = idBlock.length;

function pooledBytes(count: number): Uint8Array {
  if (count > idBlock.length) return randomBytes(count);
  if (idOffset + count > idBlock.length) {
    randomFillSync(idBlock);
    idOffset = 0;
  }
  const bytes = idBlock.subarray(idOffset, idOffset + count);
  idOffset += count;
  return bytes;
}

/**
 * A uniform random base62 id for per-request records (credit holds, parallel-slot leases), from a pooled block of
 * OS randomness: a fresh `randomBytes` call per request cost more than the rest of the hold (decision 0021).
 * Keys themselves use `randomBase62`.
 */
export function randomIdBase62(length: number): string {
  return base62From(length, pooledBytes);
}

/** A fresh plaintext key, e.g. `sk-lg-3fK9…` (length ≥ 32 random characters). */
export function generateApiKey(randomLength = API_KEY_RANDOM_LENGTH): string {
  if (!Number.isInteger(randomLength) || randomLength < MIN_RANDOM_LENGTH || randomLength > 128) {
    throw new RangeError(`API keys need 32 to 128 random characters, got ${randomLength}`);
  }
  return API_KEY_PREFIX + randomBase62(randomLength);
}

/** True when `value` has the shape of a LlamaGate virtual key (no lookup). */
export function isApiKeyFormat(value: string): boolean {
  return KEY_PATTERN.test(value);
}

/** Hashes a plaintext key for storage and lookup: hex SHA-256, or hex HMAC-SHA-256 keyed by `pepper`. */
export function hashApiKey(plaintext: string, pepper?: string): string {
  // The one-shot hash skips a Hash object per call: this runs on every request with a virtual key.
  if (pepper === undefined || pepper === '') return hash('sha256', plaintext, 'hex');
  return createHmac('sha256', pepper).update(plaintext, 'utf8').digest('hex');
}

/** A hasher bound to a pepper, as the key stores take it. */
export type ApiKeyHasher = (plaintext: string) => string;

export function createApiKeyHasher(pepper?: string): ApiKeyHasher {
  return (plaintext) => hashApiKey(plaintext, pepper);
}

/** What may be shown of a key after creation: `sk-lg-abcd…`. */
export function apiKeyDisplayPrefix(plaintext: string): string {
  const visible = plaintext.startsWith(API_KEY_PREFIX) ? API_KEY_PREFIX.length + 4 : 8;
  return `${plaintext.slice(0, visible)}…`;
}

/** Ids of keys (not secret; safe in logs and URLs): `key_` + 20 base62 characters. */
export function generateKeyId(): string {
  return `key_${randomBase62(20)}`;
}
