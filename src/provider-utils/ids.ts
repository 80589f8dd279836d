import { randomBytes } from 'node:crypto';

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
