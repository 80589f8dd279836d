import { errorFromUpstream } from '../../provider-utils/upstream-error.js';
import { AuthenticationError, LlamaGateError, RateLimitError } from '../../spec/errors.js';
import { geminiErrorSchema } from './gemini-api.js';

/** Google's `{error:{code,message,status}}`, also as the one-element array streamGenerateContent sends. */
export function describeGeminiError(body: unknown): { message?: string; code?: string } {
  const parsed = geminiErrorSchema.safeParse(Array.isArray(body) ? body[0] : body);
  if (!parsed.success) return {};
  const result: { message?: string; code?: string } = {};
  if (parsed.data.error.message) result.message = parsed.data.error.message;
  if (parsed.data.error.status) result.code = parsed.data.error.status;
  return result;
}

function errorDetails(body: unknown): Record<string, unknown>[] {
  const parsed = geminiErrorSchema.safeParse(Array.isArray(body) ? body[0] : body);
  return parsed.success ? (parsed.data.error.details ?? []) : [];
}

/** Seconds from a `google.rpc.RetryInfo` detail (`"retryDelay": "34.4s"`); Google sends no Retry-After header. */
export function retryDelaySeconds(body: unknown): number | undefined {
  for (const detail of errorDetails(body)) {
    if (!String(detail['@type'] ?? '').endsWith('google.rpc.RetryInfo')) continue;
    const delay = detail.retryDelay;
    const match = typeof delay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(delay) : null;
    if (match?.[1] !== undefined) return Number(match[1]);
  }
  return undefined;
}

function isInvalidApiKey(body: unknown): boolean {
  const { message } = describeGeminiError(body);
  if (message !== undefined && /API key not valid|API_KEY_INVALID/i.test(message)) return true;
  return errorDetails(body).some((detail) => detail.reason === 'API_KEY_INVALID');
}

/**
 * Google-specific corrections on top of the shared status mapping: the retry delay lives in the body's
 * RetryInfo, and an invalid API key is answered with 400 INVALID_ARGUMENT although it is an auth failure.
 */
export function refineGeminiError(error: unknown): unknown {
  if (!LlamaGateError.isInstance(error)) return error;
  const body = error.upstream?.body;
  const base = {
    message: error.message,
    provider: error.provider,
    model: error.model,
    upstream: error.upstream,
    cause: error,
  };
  if (RateLimitError.isInstance(error) && error.retryAfter === undefined) {
    const retryAfter = retryDelaySeconds(body);
    if (retryAfter !== undefined) return new RateLimitError({ ...base, retryAfter, isRetryable: true });
  }
  if (error.status === 400 && isInvalidApiKey(body)) {
    return new AuthenticationError({ ...base, code: 'invalid_api_key', isRetryable: false });
  }
  return error;
}

/** An error event inside a 200 stream, typed like the same failure before the stream started. */
export function errorFromStreamEvent(
  body: unknown,
  context: { provider: string; model: string; url: string },
): LlamaGateError {
  const parsed = geminiErrorSchema.safeParse(body);
  const code = parsed.success ? parsed.data.error.code : undefined;
  const status = typeof code === 'number' && code >= 400 ? code : 500;
  const described = describeGeminiError(body);
  const error = errorFromUpstream({
    ...context,
    status,
    headers: {},
    body,
    message: described.message,
    providerCode: described.code,
  });
  return refineGeminiError(error) as LlamaGateError;
}
