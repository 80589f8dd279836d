/**
 * The one catalogue of LlamaGate errors. Every error carries a `code` (snake_case), the HTTP status it maps
 * to and the OpenAI error `type`; the server turns any of them into `{"error":{message,type,code,param}}`.
 * Errors are branded with `Symbol.for` so `isInstance` works across duplicated package copies.
 */

const BRAND = Symbol.for('llamagate.error');

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'insufficient_quota'
  | 'timeout_error'
  | 'service_unavailable_error'
  | 'api_error'
  | 'server_error';

/**
 * code → [status, OpenAI type]. Statuses are decided here and nowhere else. 401s carry `invalid_request_error`,
 * the type OpenAI itself answers a wrong key with.
 */
export const ERROR_CATALOGUE = {
  invalid_request: [400, 'invalid_request_error'],
  invalid_json: [400, 'invalid_request_error'],
  missing_field: [400, 'invalid_request_error'],
  invalid_type: [400, 'invalid_request_error'],
  context_length_exceeded: [400, 'invalid_request_error'],
  content_policy_violation: [400, 'invalid_request_error'],
  embeddings_not_supported: [400, 'invalid_request_error'],
  vision_not_supported: [400, 'invalid_request_error'],
  invalid_api_key: [401, 'invalid_request_error'],
  missing_credentials: [401, 'invalid_request_error'],
  key_revoked: [401, 'invalid_request_error'],
  key_expired: [401, 'invalid_request_error'],
  insufficient_quota: [402, 'insufficient_quota'],
  budget_exceeded: [402, 'insufficient_quota'],
  permission_denied: [403, 'permission_error'],
  model_not_allowed: [403, 'permission_error'],
  unsafe_url: [400, 'invalid_request_error'],
  not_found: [404, 'not_found_error'],
  model_not_found: [404, 'not_found_error'],
  method_not_allowed: [405, 'invalid_request_error'],
  request_timeout: [408, 'timeout_error'],
  payload_too_large: [413, 'invalid_request_error'],
  unsupported_media_type: [415, 'invalid_request_error'],
  validation_failed: [422, 'invalid_request_error'],
  // The MCP tool loop's limits: the request cannot be completed within the operator's limits (not a server fault).
  too_many_tool_calls_per_round: [422, 'invalid_request_error'],
  max_total_tool_calls_exceeded: [422, 'invalid_request_error'],
  max_tool_rounds_exceeded: [422, 'invalid_request_error'],
  mcp_tool_not_allowed: [403, 'permission_error'],
  mcp_server_not_found: [404, 'not_found_error'],
  mcp_tool_not_found: [404, 'not_found_error'],
  mcp_resource_error: [502, 'api_error'],
  mcp_server_unavailable: [503, 'service_unavailable_error'],
  mcp_tool_timeout: [504, 'timeout_error'],
  rate_limit_exceeded: [429, 'rate_limit_error'],
  client_closed_request: [499, 'invalid_request_error'],
  internal_error: [500, 'server_error'],
  upstream_error: [502, 'api_error'],
  upstream_unreachable: [502, 'api_error'],
  upstream_line_too_long: [502, 'api_error'],
  all_providers_failed: [502, 'api_error'],
  service_unavailable: [503, 'service_unavailable_error'],
  upstream_queue_full: [503, 'service_unavailable_error'],
  upstream_timeout: [504, 'timeout_error'],
} as const satisfies Record<string, readonly [number, OpenAIErrorType]>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface UpstreamDetails {
  url?: string;
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface LlamaGateErrorOptions {
  message: string;
  code?: ErrorCode;
  /** Overrides the catalogue status (upstream statuses passed through, e.g. 500 vs 502). */
  status?: number;
  param?: string | null;
  provider?: string;
  model?: string;
  isRetryable?: boolean;
  /** Seconds the caller should wait before retrying (from the upstream's Retry-After). */
  retryAfter?: number;
  upstream?: UpstreamDetails;
  cause?: unknown;
}

type ErrorClass<T> = { readonly kind: string; prototype: T };

export class LlamaGateError extends Error {
  static readonly kind: string = 'LlamaGateError';
  static readonly defaultCode: ErrorCode = 'internal_error';
  readonly [BRAND] = true;
  /** Names of this error's class and its ancestors, for cross-copy `isInstance`. */
  readonly kinds: readonly string[];
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly param: string | null;
  readonly provider: string | undefined;
  readonly model: string | undefined;
  readonly isRetryable: boolean;
  readonly retryAfter: number | undefined;
  readonly upstream: UpstreamDetails | undefined;

  constructor(options: LlamaGateErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    const ctor = new.target as unknown as { kind: string; defaultCode: ErrorCode };
    this.name = ctor.kind;
    const kinds: string[] = [];
    for (let c: unknown = new.target; typeof c === 'function' && 'kind' in c; c = Object.getPrototypeOf(c)) {
      kinds.push((c as { kind: string }).kind);
    }
    this.kinds = kinds;
    this.code = options.code ?? ctor.defaultCode;
    const [status, type] = ERROR_CATALOGUE[this.code];
    this.status = options.status ?? status;
    this.type = type;
    this.param = options.param ?? null;
    this.provider = options.provider;
    this.model = options.model;
    this.retryAfter = options.retryAfter;
    this.upstream = options.upstream;
    this.isRetryable = options.isRetryable ?? isRetryableStatus(this.status);
  }

  /** True for any LlamaGate error of this class (or a subclass), even from another copy of the package. */
  static isInstance<T>(this: ErrorClass<T>, value: unknown): value is T {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true &&
      Array.isArray((value as { kinds?: unknown }).kinds) &&
      (value as { kinds: string[] }).kinds.includes(this.kind)
    );
  }
}

/** 408, 409, 429 and 5xx are worth retrying; 4xx are not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

export class BadRequestError extends LlamaGateError {
  static override readonly kind: string = 'BadRequestError';
  static override readonly defaultCode: ErrorCode = 'invalid_request';
}
export class ContextWindowExceededError extends BadRequestError {
  static override readonly kind: string = 'ContextWindowExceededError';
  static override readonly defaultCode: ErrorCode = 'context_length_exceeded';
}
export class ContentPolicyViolationError extends BadRequestError {
  static override readonly kind: string = 'ContentPolicyViolationError';
  static override readonly defaultCode: ErrorCode = 'content_policy_violation';
}
export class EmbeddingsNotSupportedError extends BadRequestError {
  static override readonly kind: string = 'EmbeddingsNotSupportedError';
  static override readonly defaultCode: ErrorCode = 'embeddings_not_supported';
}
export class VisionNotSupportedError extends BadRequestError {
  static override readonly kind: string = 'VisionNotSupportedError';
  static override readonly defaultCode: ErrorCode = 'vision_not_supported';
}
export class PayloadTooLargeError extends BadRequestError {
  static override readonly kind: string = 'PayloadTooLargeError';
  static override readonly defaultCode: ErrorCode = 'payload_too_large';
}
export class AuthenticationError extends LlamaGateError {
  static override readonly kind: string = 'AuthenticationError';
  static override readonly defaultCode: ErrorCode = 'invalid_api_key';
}
export class InsufficientQuotaError extends LlamaGateError {
  static override readonly kind: string = 'InsufficientQuotaError';
  static override readonly defaultCode: ErrorCode = 'insufficient_quota';
}
export class PermissionDeniedError extends LlamaGateError {
  static override readonly kind: string = 'PermissionDeniedError';
  static override readonly defaultCode: ErrorCode = 'permission_denied';
}
export class NotFoundError extends LlamaGateError {
  static override readonly kind: string = 'NotFoundError';
  static override readonly defaultCode: ErrorCode = 'not_found';
}
export class ModelNotFoundError extends NotFoundError {
  static override readonly kind: string = 'ModelNotFoundError';
  static override readonly defaultCode: ErrorCode = 'model_not_found';
}
export class MethodNotAllowedError extends LlamaGateError {
  static override readonly kind: string = 'MethodNotAllowedError';
  static override readonly defaultCode: ErrorCode = 'method_not_allowed';
}
export class RateLimitError extends LlamaGateError {
  static override readonly kind: string = 'RateLimitError';
  static override readonly defaultCode: ErrorCode = 'rate_limit_exceeded';
}
export class TimeoutError extends LlamaGateError {
  static override readonly kind: string = 'TimeoutError';
  static override readonly defaultCode: ErrorCode = 'upstream_timeout';
}
export class ServiceUnavailableError extends LlamaGateError {
  static override readonly kind: string = 'ServiceUnavailableError';
  static override readonly defaultCode: ErrorCode = 'service_unavailable';
}
/** Any other upstream failure (5xx, unexpected body, connection refused). */
export class ProviderAPIError extends LlamaGateError {
  static override readonly kind: string = 'ProviderAPIError';
  static override readonly defaultCode: ErrorCode = 'upstream_error';
}
/** The request's own input failed validation (schema, structured output). */
export class ValidationError extends LlamaGateError {
  static override readonly kind: string = 'ValidationError';
  static override readonly defaultCode: ErrorCode = 'validation_failed';
}
/** The caller aborted (client disconnected, AbortSignal fired). */
export class AbortedError extends LlamaGateError {
  static override readonly kind: string = 'AbortedError';
  static override readonly defaultCode: ErrorCode = 'client_closed_request';
}

/** The MCP tool loop stopped at one of its limits (rounds, calls per round, total calls). */
export class ToolLoopLimitError extends LlamaGateError {
  static override readonly kind: string = 'ToolLoopLimitError';
  static override readonly defaultCode: ErrorCode = 'max_tool_rounds_exceeded';
}
/** An MCP server, tool, prompt or resource failed, is unknown, or is not allowed. */
export class McpError extends LlamaGateError {
  static override readonly kind: string = 'McpError';
  static override readonly defaultCode: ErrorCode = 'mcp_server_unavailable';
}

export interface AttemptFailure {
  provider?: string;
  model: string;
  error: LlamaGateError;
}

export class AllProvidersFailedError extends LlamaGateError {
  static override readonly kind: string = 'AllProvidersFailedError';
  static override readonly defaultCode: ErrorCode = 'all_providers_failed';
  readonly attempts: readonly AttemptFailure[];
  constructor(attempts: readonly AttemptFailure[], options?: Partial<LlamaGateErrorOptions>) {
    const last = attempts.at(-1)?.error;
    super({
      message: `All ${attempts.length} models failed: ${attempts.map((a) => `${a.model}: ${a.error.message}`).join('; ')}`,
      status: last?.status,
      retryAfter: last?.retryAfter,
      isRetryable: attempts.some((a) => a.error.isRetryable),
      ...options,
    });
    this.attempts = attempts;
  }

  /** The `{ model, error }` pairs, like `AggregateError.errors` (the same list as `attempts`). */
  get errors(): readonly AttemptFailure[] {
    return this.attempts;
  }
}

/** Wraps anything thrown into a LlamaGateError (unknown errors become internal_error, message kept). */
export function toLlamaGateError(error: unknown): LlamaGateError {
  if (LlamaGateError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LlamaGateError({ message, code: 'internal_error', cause: error, isRetryable: false });
}

export interface OpenAIErrorBody {
  error: { message: string; type: string; code: string; param: string | null; request_id?: string };
}

export function toOpenAIErrorBody(error: LlamaGateError, requestId?: string): OpenAIErrorBody {
  const body: OpenAIErrorBody = {
    error: { message: error.message, type: error.type, code: error.code, param: error.param },
  };
  if (requestId !== undefined) body.error.request_id = requestId;
  return body;
}
