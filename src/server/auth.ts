import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { RecentResults } from '../provider-utils/recent-results.js';
import { AuthenticationError } from '../spec/errors.js';

/** The token of `Bearer <token>` (scheme in any case, whitespace around either part ignored). */
function bearerToken(authorization: string): string | undefined {
  const value = authorization.trim();
  if (value.length < 8 || value.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  const rest = value.slice(6);
  const token = rest.trimStart();
  // At least one space between the scheme and the token ("Bearerxyz" is not a bearer token).
  return token.length > 0 && token.length < rest.length ? token : undefined;
}

/** The credential a client sent: `X-API-Key` first, else `Authorization: Bearer` (scheme in any case). */
export function extractCredential(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim() !== '') return apiKey.trim();
  const authorization = headers.authorization;
  return typeof authorization === 'string' ? bearerToken(authorization) : undefined;
}

/** The expected key's bytes, encoded once per key instead of on every request (keys are configured secrets). */
const expectedBytes = new RecentResults<Buffer>(16, Number.POSITIVE_INFINITY);

function utf8Bytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

function bytesOf(expected: string): Buffer {
  return expectedBytes.get(expected, utf8Bytes);
}

/** Where the presented key is copied for the comparison (grown to the longest expected key). */
let scratch = Buffer.alloc(128);

/**
 * Constant-time comparison of a presented key with a configured secret. The presented key is copied into a
 * buffer as long as the expected one (cut or left short, never reallocated per call) and compared whole with
 * `timingSafeEqual`; the lengths are compared only afterwards. The time taken depends on the expected
 * length alone, never on where the two differ or on how long the secret is relative to the guess.
 */
export function safeEqual(candidate: string, expected: string): boolean {
  const wanted = bytesOf(expected);
  if (scratch.length < wanted.length) scratch = Buffer.alloc(wanted.length);
  const view = scratch.subarray(0, wanted.length);
  const written = view.write(candidate, 0, 'utf8');
  const same = timingSafeEqual(view, wanted);
  return same && written === wanted.length && Buffer.byteLength(candidate, 'utf8') === wanted.length;
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
