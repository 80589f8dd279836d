import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { loadSetting } from '../../provider-utils/api-key.js';
import { AuthenticationError } from '../../spec/errors.js';

/** Credential settings of the Bedrock provider; every value falls back to the standard AWS variables. */
export interface BedrockCredentialSettings {
  /** A Bedrock API key, sent as `Authorization: Bearer` (env `AWS_BEARER_TOKEN_BEDROCK`). */
  apiKey?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  region?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

export type BedrockCredentials =
  | { kind: 'bearer'; token: string }
  | { kind: 'sigv4'; accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export const BEDROCK_SERVICE = 'bedrock';

function missing(provider: string, what: string): AuthenticationError {
  return new AuthenticationError({
    code: 'missing_credentials',
    message: `Missing ${what} for ${provider}`,
    provider,
    isRetryable: false,
  });
}

/**
 * Explicit settings win over the environment; within each, a Bedrock API key wins over access keys
 * (the order the AWS SDK uses). Fails fast, naming the variables to set.
 */
export function resolveBedrockCredentials(settings: BedrockCredentialSettings, provider: string): BedrockCredentials {
  const env = settings.env ?? process.env;
  if (settings.apiKey) return { kind: 'bearer', token: settings.apiKey };
  if (settings.accessKeyId && settings.secretAccessKey) {
    const credentials: BedrockCredentials = {
      kind: 'sigv4',
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
    };
    if (settings.sessionToken) credentials.sessionToken = settings.sessionToken;
    return credentials;
  }
  const bearer = env.AWS_BEARER_TOKEN_BEDROCK;
  if (bearer) return { kind: 'bearer', token: bearer };
  const accessKeyId = loadSetting(settings.accessKeyId, ['AWS_ACCESS_KEY_ID'], env);
  const secretAccessKey = loadSetting(settings.secretAccessKey, ['AWS_SECRET_ACCESS_KEY'], env);
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw missing(
      provider,
      'AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ' +
        'credentials), or AWS_BEARER_TOKEN_BEDROCK for a Bedrock API key, or configure accessKeyId/secretAccessKey',
    );
  }
  const credentials: BedrockCredentials = { kind: 'sigv4', accessKeyId, secretAccessKey };
  const sessionToken = loadSetting(settings.sessionToken, ['AWS_SESSION_TOKEN'], env);
  if (sessionToken !== undefined) credentials.sessionToken = sessionToken;
  return credentials;
}

/** The configured region, else the one in a `bedrock-runtime.<region>.amazonaws.com` endpoint. */
export function resolveBedrockRegion(
  settings: BedrockCredentialSettings,
  baseURL: string | undefined,
): string | undefined {
  const configured = loadSetting(settings.region, ['AWS_REGION', 'AWS_DEFAULT_REGION'], settings.env ?? process.env);
  if (configured !== undefined) return configured;
  if (baseURL === undefined) return undefined;
  return /bedrock-runtime(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com/.exec(baseURL)?.[1];
}

export function requireRegion(region: string | undefined, provider: string): string {
  if (region !== undefined) return region;
  throw missing(provider, 'AWS region: set AWS_REGION or AWS_DEFAULT_REGION, or configure region for the backend');
}

export interface SignableCall {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * The headers that authenticate one call: `Authorization: Bearer` for an API key, else a SigV4 signature
 * (service `bedrock`) over method, path, host, the given headers and the exact body bytes that will be sent.
 */
export async function authorizeBedrockCall(
  call: SignableCall,
  credentials: BedrockCredentials,
  region: string | undefined,
  provider: string,
  signingDate?: Date,
): Promise<Record<string, string>> {
  if (credentials.kind === 'bearer') return { ...call.headers, authorization: `Bearer ${credentials.token}` };
  const url = new URL(call.url);
  const signer = new SignatureV4({
    service: BEDROCK_SERVICE,
    region: requireRegion(region, provider),
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    },
    sha256: Sha256,
  });
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  const request = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    // The path stays percent-encoded as sent; the signer encodes it once more, as SigV4 wants for non-S3 services.
    path: url.pathname,
    query,
    headers: { ...call.headers, host: url.host },
    body: call.body,
  });
  const signed = await signer.sign(request, signingDate === undefined ? undefined : { signingDate });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    // undici derives Host from the URL; sending it twice would be an error.
    if (name.toLowerCase() !== 'host') headers[name.toLowerCase()] = value;
  }
  return headers;
}
