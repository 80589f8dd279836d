import { errorFromUpstream, parseRetryAfter } from '../../provider-utils/upstream-error.js';
import {
  AuthenticationError,
  BadRequestError,
  ContextWindowExceededError,
  LlamaGateError,
  type LlamaGateErrorOptions,
  ModelNotFoundError,
  PermissionDeniedError,
  ProviderAPIError,
  RateLimitError,
  ServiceUnavailableError,
  TimeoutError,
} from '../../spec/errors.js';
import { bedrockErrorBodySchema } from './bedrock-api.js';

export interface BedrockFailure {
  provider: string;
  model?: string;
  url?: string;
  /** HTTP status; undefined for an exception event inside a 200 stream. */
  status?: number;
  headers?: Record<string, string>;
  body: unknown;
  /** `x-amzn-errortype` header or the stream's `:exception-type` (any casing, suffix allowed). */
  errorType?: string;
  message?: string;
}

/** Pulls Bedrock's `{message}` (or `Message`) out of an error body. */
export function describeBedrockError(body: unknown): { message?: string; code?: string } {
  const parsed = bedrockErrorBodySchema.safeParse(body);
  if (!parsed.success) return typeof body === 'string' && body !== '' ? { message: body.slice(0, 2000) } : {};
  const message = parsed.data.message ?? parsed.data.Message ?? undefined;
  const code = parsed.data.__type ?? undefined;
  const result: { message?: string; code?: string } = {};
  if (message !== undefined) result.message = message;
  if (code !== undefined) result.code = code;
  return result;
}

/** `ValidationException:http://internal.amazon.com/coral/…` and `throttlingException` → `ThrottlingException`. */
function normaliseErrorType(type: string | undefined): string | undefined {
  if (type === undefined || type === '') return undefined;
  const name = type.split(':')[0]?.split('#').at(-1) ?? '';
  return name === '' ? undefined : name.charAt(0).toUpperCase() + name.slice(1);
}

const CONTEXT_WINDOW =
  /too long|too many (?:input )?tokens|context (?:window|length)|exceeds? .*max(?:imum)? .*tokens/i;

/**
 * Maps a Bedrock failure to a typed error by its error type (the HTTP status alone is ambiguous: Bedrock
 * answers 429 both for throttling and for a model that is still loading).
 */
export function bedrockError(failure: BedrockFailure): LlamaGateError {
  const described = describeBedrockError(failure.body);
  const type = normaliseErrorType(failure.errorType ?? described.code);
  const providerMessage = failure.message ?? described.message ?? `HTTP ${failure.status ?? 'stream error'}`;
  const headers = failure.headers ?? {};
  const where = failure.status === undefined ? 'stream' : String(failure.status);
  const options: LlamaGateErrorOptions = {
    message: `${failure.provider} error (${where}${type === undefined ? '' : ` ${type}`}): ${providerMessage}`,
    provider: failure.provider,
    model: failure.model,
    upstream: { url: failure.url, status: failure.status, headers, body: failure.body },
  };
  switch (type) {
    case 'ThrottlingException':
    case 'ServiceQuotaExceededException':
      return new RateLimitError({ ...options, retryAfter: parseRetryAfter(headers), isRetryable: true });
    case 'ModelNotReadyException':
    case 'ServiceUnavailableException':
      return new ServiceUnavailableError({ ...options, retryAfter: parseRetryAfter(headers), isRetryable: true });
    case 'AccessDeniedException':
      return new PermissionDeniedError({ ...options, isRetryable: false });
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'IncompleteSignatureException':
    case 'MissingAuthenticationTokenException':
    case 'ExpiredTokenException':
      return new AuthenticationError({ ...options, isRetryable: false });
    case 'ResourceNotFoundException':
      return new ModelNotFoundError({ ...options, isRetryable: false });
    case 'ModelTimeoutException':
      return new TimeoutError({ ...options, isRetryable: true });
    case 'ValidationException':
      if (CONTEXT_WINDOW.test(providerMessage)) return new ContextWindowExceededError({ ...options, status: 400 });
      if (/model identifier is invalid|model [^.]* (?:does not exist|not found)/i.test(providerMessage)) {
        return new ModelNotFoundError({ ...options, isRetryable: false });
      }
      return new BadRequestError({ ...options, status: 400, isRetryable: false });
    case 'ModelStreamErrorException':
    case 'ModelErrorException':
      return new ProviderAPIError({ ...options, status: 502, isRetryable: true });
    case 'InternalServerException':
      return new ProviderAPIError({ ...options, status: 500, isRetryable: true });
  }
  if (failure.status === undefined) return new ProviderAPIError({ ...options, isRetryable: true });
  return errorFromUpstream({
    provider: failure.provider,
    model: failure.model,
    url: failure.url ?? '',
    status: failure.status,
    headers,
    body: failure.body,
    message: providerMessage,
    providerCode: type,
  });
}

/**
 * Re-types an error thrown by the shared HTTP client for a non-2xx Bedrock answer, using the
 * `x-amzn-errortype` header; transport errors (timeouts, aborts, refused connections) pass through.
 */
export function retypeBedrockHttpError(error: unknown): unknown {
  if (!LlamaGateError.isInstance(error)) return error;
  const upstream = error.upstream;
  if (upstream?.status === undefined || upstream.status < 400) return error;
  const headers = upstream.headers ?? {};
  const failure: BedrockFailure = {
    provider: error.provider ?? 'bedrock',
    status: upstream.status,
    headers,
    body: upstream.body,
  };
  if (error.model !== undefined) failure.model = error.model;
  if (upstream.url !== undefined) failure.url = upstream.url;
  const errorType = headers['x-amzn-errortype'];
  if (errorType !== undefined) failure.errorType = errorType;
  return bedrockError(failure);
}
