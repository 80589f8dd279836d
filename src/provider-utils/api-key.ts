import { AuthenticationError } from '../spec/errors.js';

export interface LoadApiKeyOptions {
  apiKey: string | undefined;
  /** Environment variable names tried in order. */
  environmentVariableNames: readonly string[];
  provider: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Resolves a provider credential: the explicit value, else the first set environment variable.
 * Fails fast (no network call) with a 401-class error that names the variable to set.
 */
export function loadApiKey(options: LoadApiKeyOptions): string {
  if (options.apiKey !== undefined && options.apiKey !== '') return options.apiKey;
  const env = options.env ?? process.env;
  for (const name of options.environmentVariableNames) {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
  }
  const names = options.environmentVariableNames;
  const where = names.length === 0 ? 'configure apiKey' : `set ${names.join(' or ')}, or configure apiKey`;
  throw new AuthenticationError({
    code: 'missing_credentials',
    message: `Missing API key for ${options.provider}: ${where} for the backend`,
    provider: options.provider,
    isRetryable: false,
  });
}

/** Reads an optional setting from the explicit value or the environment. */
export function loadSetting(
  value: string | undefined,
  environmentVariableNames: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  if (value !== undefined && value !== '') return value;
  for (const name of environmentVariableNames) {
    const found = env[name];
    if (found !== undefined && found !== '') return found;
  }
  return undefined;
}

export function withoutTrailingSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}
