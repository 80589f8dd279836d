import {
  AuthenticationError,
  BadRequestError,
  ContentPolicyViolationError,
  ContextWindowExceededError,
  InsufficientQuotaError,
  type LlamaGateError,
  type LlamaGateErrorOptions,
  ModelNotFoundError,
  NotFoundError,
  PayloadTooLargeError,
  PermissionDeniedError,
  ProviderAPIError,
  RateLimitError,
  ServiceUnavailableError,
  TimeoutError,
} from '../spec/errors.js';

export interface UpstreamFailure {
  provider: string;
  model?: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  /** Parsed JSON body when it was JSON, else the text. */
  body: unknown;
  /** The provider's own message, when the adapter extracted one. */
  message?: string;
  /** The provider's own error code or type (e.g. `context_length_exceeded`, `overloaded_error`). */
  providerCode?: string;
}

const CONTEXT_PATTERNS = [
  /context[_ ]length/i,
  /context window/i,
  /maximum context/i,
  /too many tokens/i,
  /prompt is too long/i,
  /input is too long/i,
  /exceeds? the (?:model's )?max(?:imum)? (?:input )?(?:token|length)/i,
  /input token count.*exceeds/i,
];
/** Wording of "this model does not exist" across providers (OpenAI/Groq, Anthropic, Gemini, Cohere, Mistral, Ollama…). */
const MODEL_MISSING_PATTERNS = [
  /model_not_found/i,
  /\bmodels?\b[^.]{0,120}\b(?:does not exist|do not exist|not found|is not found|is not supported|unknown)/i,
  /(?:unknown|invalid|no such|unsupported) model/i,
  /model identifier is invalid/i,
  /model not exist/i,
  /deploymentnotfound/i,
  /^\s*model: /i,
];
const CONTENT_POLICY_PATTERNS = [
  /content[_ ](?:policy|filter|management)/i,
  /safety (?:system|settings)/i,
  /responsible ?ai/i,
];

/** Pulls a human message out of the common error body shapes. */
export function extractErrorMessage(body: unknown): { message?: string; code?: string } {
  if (typeof body === 'string') return { message: body.slice(0, 2000) || undefined };
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  const nested = Array.isArray(record) ? record[0] : record;
  if (typeof nested !== 'object' || nested === null) return {};
  const error = (nested as Record<string, unknown>).error;
  if (typeof error === 'string') return { message: error };
  if (typeof error === 'object' && error !== null) {
    const e = error as Record<string, unknown>;
    const code =
      typeof e.code === 'string'
        ? e.code
        : typeof e.type === 'string'
          ? e.type
          : typeof e.status === 'string'
            ? e.status
            : undefined;
    return { message: typeof e.message === 'string' ? e.message : undefined, code };
  }
  const n = nested as Record<string, unknown>;
  for (const key of ['message', 'detail', 'Message', 'error_message']) {
    const value = n[key];
    if (typeof value === 'string') return { message: value, code: typeof n.code === 'string' ? n.code : undefined };
  }
  return {};
}

/** Seconds from a Retry-After (seconds or HTTP date) or retry-after-ms header. */
export function parseRetryAfter(headers: Record<string, string>): number | undefined {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && Number.isFinite(Number(ms))) return Math.max(0, Number(ms) / 1000);
  const value = headers['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/**
 * Maps an upstream HTTP failure to the one typed error class, once, for every provider:
 * 400 (context window and content policy as sub-kinds), 401, 403, 404, 408, 413, 429, 503/529, other 5xx.
 */
export function errorFromUpstream(failure: UpstreamFailure): LlamaGateError {
  const extracted = extractErrorMessage(failure.body);
  const providerMessage = failure.message ?? extracted.message ?? `HTTP ${failure.status}`;
  const providerCode = failure.providerCode ?? extracted.code;
  const options: LlamaGateErrorOptions = {
    message: `${failure.provider} error (${failure.status}): ${providerMessage}`,
    provider: failure.provider,
    model: failure.model,
    upstream: { url: failure.url, status: failure.status, headers: failure.headers, body: failure.body },
  };
  const status = failure.status;
  const text = `${providerCode ?? ''} ${providerMessage}`;
  if (status === 529 || providerCode === 'overloaded_error') {
    return new ServiceUnavailableError({ ...options, retryAfter: parseRetryAfter(failure.headers), isRetryable: true });
  }
  if (providerCode === 'insufficient_quota') {
    return new InsufficientQuotaError({ ...options, status, isRetryable: false });
  }
  if (status === 429) {
    return new RateLimitError({ ...options, retryAfter: parseRetryAfter(failure.headers), isRetryable: true });
  }
  if (status === 401) return new AuthenticationError({ ...options, isRetryable: false });
  if (status === 403) {
    if (CONTENT_POLICY_PATTERNS.some((p) => p.test(text)))
      return new ContentPolicyViolationError({ ...options, status: 400 });
    return new PermissionDeniedError({ ...options, isRetryable: false });
  }
  const modelMissing = MODEL_MISSING_PATTERNS.some((pattern) => pattern.test(providerMessage) || pattern.test(text));
  if (status === 404) {
    if (modelMissing || /model/i.test(text)) return new ModelNotFoundError({ ...options, isRetryable: false });
    return new NotFoundError({ ...options, code: 'model_not_found', isRetryable: false });
  }
  // Some providers answer an unknown model with 400 (Mistral's "Invalid model", Bedrock's invalid identifier).
  if (status === 400 && modelMissing) return new ModelNotFoundError({ ...options, isRetryable: false });
  if (status === 408) return new TimeoutError({ ...options, code: 'request_timeout', isRetryable: true });
  if (status === 413) {
    if (CONTEXT_PATTERNS.some((p) => p.test(text))) return new ContextWindowExceededError({ ...options, status: 400 });
    return new PayloadTooLargeError(options);
  }
  if (status === 503) {
    return new ServiceUnavailableError({ ...options, retryAfter: parseRetryAfter(failure.headers), isRetryable: true });
  }
  if (status === 504) return new TimeoutError({ ...options, isRetryable: true });
  if (status >= 400 && status < 500) {
    if (providerCode === 'context_length_exceeded' || CONTEXT_PATTERNS.some((p) => p.test(text))) {
      return new ContextWindowExceededError({ ...options, status: 400 });
    }
    if (
      providerCode === 'content_policy_violation' ||
      providerCode === 'content_filter' ||
      CONTENT_POLICY_PATTERNS.some((p) => p.test(text))
    ) {
      return new ContentPolicyViolationError({ ...options, status: 400 });
    }
    return new BadRequestError({ ...options, status, isRetryable: status === 409 });
  }
  return new ProviderAPIError({ ...options, status: status >= 500 && status < 600 ? status : 502, isRetryable: true });
}

/**
 * Whether a decoded body or stream line carries an `error` field, the mark of every provider's error shape.
 * Adapters check this before parsing a line as an error: most lines are not errors, and a failed schema
 * parse costs several times a passing one.
 */
export function hasErrorField(value: unknown): value is { error: unknown } {
  return typeof value === 'object' && value !== null && 'error' in value;
}

/** Where a streamed answer came from, for an error about one of its items. */
export interface StreamSource {
  provider: string;
  model?: string;
  url: string;
}

/**
 * A stream item (chunk, line, event) that does not match the provider's schema: `<provider> sent an unexpected
 * <item>`, with the item as the upstream body.
 */
export function unexpectedStreamItem(source: StreamSource, item: string, body: unknown): ProviderAPIError {
  return new ProviderAPIError({
    message: `${source.provider} sent an unexpected ${item}`,
    provider: source.provider,
    model: source.model,
    upstream: { url: source.url, body },
  });
}
