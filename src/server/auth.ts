import { hash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { AuthenticationError } from '../spec/errors.js';

/** The credential a client sent: `X-API-Key` first, else `Authorization: Bearer` (scheme in any case). */
export function extractCredential(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return apiKey.trim();
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^\s*bearer\s+(.+?)\s*$/i.exec(authorization);
    if (match?.[1] !== undefined) return match[1];
  }
  return undefined;
}

/** One-shot SHA-256 (`crypto.hash`: about half the cost of a createHash object on every request). */
function digest(value: string): Buffer {
  return hash('sha256', value, 'buffer');
}

/** The expected key's digest, computed once per key instead of on every request. */
const expectedDigests = new Map<string, Buffer>();

function expectedDigest(expected: string): Buffer {
  let cached = expectedDigests.get(expected);
  if (cached === undefined) {
    cached = digest(expected);
    if (expectedDigests.size > 16) expectedDigests.clear();
    expectedDigests.set(expected, cached);
  }
  return cached;
}

/**
 * Constant-time comparison: both sides hashed to equal length first, so neither length nor content leaks.
 * The expected side is a configured secret; its digest is cached.
 */
export function safeEqual(candidate: string, expected: string): boolean {
  return timingSafeEqual(digest(candidate), expectedDigest(expected));
}

export function requireApiKey(headers: IncomingHttpHeaders, expected: string): string {
  const credential = extractCredential(headers);
  if (credential === undefined) {
    throw new AuthenticationError({
      message: 'Missing API key: send it as X-API-Key or Authorization: Bearer <key>',
      isRetryable: false,
    });
  }
  if (!safeEqual(credential, expected))
    throw new AuthenticationError({ message: 'Invalid API key', isRetryable: false });
  return credential;
}
