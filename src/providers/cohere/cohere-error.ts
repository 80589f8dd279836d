import {
  AuthenticationError,
  InsufficientQuotaError,
  LlamaGateError,
  type LlamaGateErrorOptions,
} from '../../spec/errors.js';

/**
 * Cohere statuses the shared mapping does not know: 498 is Cohere's "invalid token" (a bad API key) and
 * 402 its "payment required" (trial or billing limit). Everything else is already typed by
 * `errorFromUpstream` (429 rate limit, 400 "too many tokens" → context window, 401, 5xx…).
 */
export function mapCohereError(error: unknown): unknown {
  if (!LlamaGateError.isInstance(error)) return error;
  const status = error.upstream?.status;
  if (status !== 498 && status !== 402) return error;
  const options: LlamaGateErrorOptions = {
    message: error.message,
    provider: error.provider,
    model: error.model,
    upstream: error.upstream,
    isRetryable: false,
    cause: error,
  };
  return status === 498 ? new AuthenticationError(options) : new InsufficientQuotaError(options);
}

/** Runs an upstream call and re-types Cohere-specific failures. */
export async function withCohereErrors<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    throw mapCohereError(error);
  }
}
