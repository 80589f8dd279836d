import { sign } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import { callJson } from '../../provider-utils/http-client.js';
import { AuthenticationError, LlamaGateError } from '../../spec/errors.js';

const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** Tokens are refreshed this long before Google's expiry, so a request never leaves with a dying token. */
const REFRESH_MARGIN_MS = 5 * 60_000;

export const serviceAccountSchema = z.looseObject({
  type: z.literal('service_account').optional(),
  client_email: z.string(),
  private_key: z.string(),
  private_key_id: z.string().optional(),
  token_uri: z.string().optional(),
  project_id: z.string().optional(),
});

/** `gcloud auth application-default login` writes this kind: a refresh token for a user account. */
export const authorizedUserSchema = z.looseObject({
  type: z.literal('authorized_user'),
  client_id: z.string(),
  client_secret: z.string(),
  refresh_token: z.string(),
  token_uri: z.string().optional(),
  quota_project_id: z.string().optional(),
});

export const googleCredentialsSchema = z.union([authorizedUserSchema, serviceAccountSchema]);

export type GoogleCredentials = z.infer<typeof googleCredentialsSchema>;

const tokenResponseSchema = z.looseObject({
  access_token: z.string(),
  expires_in: z.number().optional(),
});

/** A service-account assertion (RFC 7523): RS256 over header.claims, signed with the account's private key. */
export function signServiceAccountJwt(
  credentials: z.infer<typeof serviceAccountSchema>,
  nowSeconds: number,
  scope = CLOUD_PLATFORM_SCOPE,
): string {
  const header: Record<string, string> = { alg: 'RS256', typ: 'JWT' };
  if (credentials.private_key_id !== undefined) header.kid = credentials.private_key_id;
  const claims = {
    iss: credentials.client_email,
    scope,
    aud: credentials.token_uri ?? DEFAULT_TOKEN_URI,
    iat: nowSeconds,
    exp: nowSeconds + 3600,
  };
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  const signature = sign('RSA-SHA256', Buffer.from(input), credentials.private_key).toString('base64url');
  return `${input}.${signature}`;
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** Tokens by credential identity, shared by every provider instance in the process. */
const tokenCache = new Map<string, CachedToken>();
const pending = new Map<string, Promise<CachedToken>>();

function cacheKey(credentials: GoogleCredentials): string {
  if (credentials.type === 'authorized_user')
    return `user|${credentials.token_uri ?? DEFAULT_TOKEN_URI}|${credentials.client_id}|${credentials.refresh_token.slice(-16)}`;
  return `sa|${credentials.token_uri ?? DEFAULT_TOKEN_URI}|${credentials.client_email}|${credentials.private_key_id ?? ''}`;
}

async function exchange(
  credentials: GoogleCredentials,
  provider: string,
  dispatcher: Dispatcher | undefined,
): Promise<CachedToken> {
  const tokenUri = credentials.token_uri ?? DEFAULT_TOKEN_URI;
  const form = new URLSearchParams(
    credentials.type === 'authorized_user'
      ? {
          grant_type: 'refresh_token',
          client_id: credentials.client_id,
          client_secret: credentials.client_secret,
          refresh_token: credentials.refresh_token,
        }
      : {
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: signServiceAccountJwt(credentials, Math.floor(Date.now() / 1000)),
        },
  );
  let value: unknown;
  try {
    const response = await callJson({
      provider,
      url: tokenUri,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      timeoutMs: 30_000,
      dispatcher,
    });
    value = response.value;
  } catch (error) {
    // Google answers a bad key or revoked account with 400 invalid_grant: an auth failure, not a bad request.
    if (LlamaGateError.isInstance(error) && error.status >= 400 && error.status < 500) {
      throw new AuthenticationError({
        message: `${provider}: Google refused the credentials at ${tokenUri}: ${error.message}`,
        provider,
        isRetryable: false,
        upstream: error.upstream,
        cause: error,
      });
    }
    throw error;
  }
  const parsed = tokenResponseSchema.safeParse(value);
  if (!parsed.success) {
    throw new AuthenticationError({
      message: `${provider}: the token endpoint ${tokenUri} returned no access_token`,
      provider,
      isRetryable: true,
      upstream: { url: tokenUri, body: value },
    });
  }
  return { token: parsed.data.access_token, expiresAt: Date.now() + (parsed.data.expires_in ?? 3600) * 1000 };
}

/**
 * An OAuth access token for Google Cloud from service-account or authorized-user credentials, cached until
 * shortly before it expires; concurrent callers share one exchange.
 */
export async function getGoogleAccessToken(
  credentials: GoogleCredentials,
  options: { provider: string; dispatcher?: Dispatcher },
): Promise<string> {
  const key = cacheKey(credentials);
  const cached = tokenCache.get(key);
  if (cached !== undefined && cached.expiresAt - REFRESH_MARGIN_MS > Date.now()) return cached.token;
  let inflight = pending.get(key);
  if (inflight === undefined) {
    inflight = exchange(credentials, options.provider, options.dispatcher).finally(() => pending.delete(key));
    pending.set(key, inflight);
  }
  const fresh = await inflight;
  tokenCache.set(key, fresh);
  return fresh.token;
}

/** Drops cached tokens (tests, credential rotation). */
export function clearGoogleTokenCache(): void {
  tokenCache.clear();
}
