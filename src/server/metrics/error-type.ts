/**
 * The fixed `error_type` vocabulary of metrics, traces and the request log, split by who is at fault. Each
 * code of the error catalogue maps once, here; an error the upstream sent (it carries upstream details or a
 * provider) is the provider's fault even when its code reads like the caller's (an upstream 429 or 401).
 */
import type { ErrorCode, LlamaGateError } from '../../spec/errors.js';

export const ERROR_TYPES = [
  'caller_bad_request',
  'caller_auth',
  'caller_quota',
  'caller_cancelled',
  'policy_rate_limited',
  'policy_budget',
  'policy_model_denied',
  'policy_tool_limit',
  'policy_tool_denied',
  'provider_rate_limited',
  'provider_auth',
  'provider_error',
  'provider_timeout',
  'provider_unreachable',
  'provider_unavailable',
  'gateway_internal',
] as const;

export type ErrorType = (typeof ERROR_TYPES)[number];

/** code → [raised by the gateway, sent by an upstream]. */
const BY_CODE: Record<ErrorCode, readonly [ErrorType, ErrorType]> = {
  invalid_request: ['caller_bad_request', 'caller_bad_request'],
  invalid_json: ['caller_bad_request', 'provider_error'],
  missing_field: ['caller_bad_request', 'caller_bad_request'],
  invalid_type: ['caller_bad_request', 'caller_bad_request'],
  context_length_exceeded: ['caller_bad_request', 'caller_bad_request'],
  content_policy_violation: ['caller_bad_request', 'caller_bad_request'],
  embeddings_not_supported: ['caller_bad_request', 'caller_bad_request'],
  vision_not_supported: ['caller_bad_request', 'caller_bad_request'],
  unsafe_url: ['caller_bad_request', 'caller_bad_request'],
  not_found: ['caller_bad_request', 'caller_bad_request'],
  model_not_found: ['caller_bad_request', 'caller_bad_request'],
  method_not_allowed: ['caller_bad_request', 'caller_bad_request'],
  payload_too_large: ['caller_bad_request', 'caller_bad_request'],
  unsupported_media_type: ['caller_bad_request', 'caller_bad_request'],
  validation_failed: ['caller_bad_request', 'caller_bad_request'],
  invalid_api_key: ['caller_auth', 'provider_auth'],
  missing_credentials: ['caller_auth', 'provider_auth'],
  key_revoked: ['caller_auth', 'provider_auth'],
  key_expired: ['caller_auth', 'provider_auth'],
  permission_denied: ['caller_auth', 'provider_auth'],
  insufficient_quota: ['caller_quota', 'provider_auth'],
  budget_exceeded: ['policy_budget', 'provider_auth'],
  model_not_allowed: ['policy_model_denied', 'provider_auth'],
  rate_limit_exceeded: ['policy_rate_limited', 'provider_rate_limited'],
  client_closed_request: ['caller_cancelled', 'caller_cancelled'],
  request_timeout: ['provider_timeout', 'provider_timeout'],
  upstream_timeout: ['provider_timeout', 'provider_timeout'],
  internal_error: ['gateway_internal', 'provider_error'],
  upstream_error: ['provider_error', 'provider_error'],
  upstream_unreachable: ['provider_unreachable', 'provider_unreachable'],
  all_providers_failed: ['provider_error', 'provider_error'],
  service_unavailable: ['provider_unavailable', 'provider_unavailable'],
  upstream_line_too_long: ['provider_error', 'provider_error'],
  upstream_queue_full: ['provider_unavailable', 'provider_unavailable'],
  too_many_tool_calls_per_round: ['policy_tool_limit', 'policy_tool_limit'],
  max_total_tool_calls_exceeded: ['policy_tool_limit', 'policy_tool_limit'],
  max_tool_rounds_exceeded: ['policy_tool_limit', 'policy_tool_limit'],
  mcp_tool_not_allowed: ['policy_tool_denied', 'policy_tool_denied'],
  mcp_server_not_found: ['caller_bad_request', 'caller_bad_request'],
  mcp_tool_not_found: ['caller_bad_request', 'caller_bad_request'],
  mcp_resource_error: ['provider_error', 'provider_error'],
  mcp_server_unavailable: ['provider_unavailable', 'provider_unavailable'],
  mcp_tool_timeout: ['provider_timeout', 'provider_timeout'],
};

/** The error type of a failure, by its code and whether an upstream sent it. */
export function errorTypeOf(error: Pick<LlamaGateError, 'code' | 'upstream' | 'provider'>): ErrorType {
  const pair = BY_CODE[error.code] ?? BY_CODE.internal_error;
  return error.upstream !== undefined || error.provider !== undefined ? pair[1] : pair[0];
}

/** The error type of a code alone (a stored row, a code from another process): as raised by the gateway. */
export function errorTypeOfCode(code: string): ErrorType {
  const pair = (BY_CODE as Record<string, readonly [ErrorType, ErrorType]>)[code];
  return pair === undefined ? 'gateway_internal' : pair[0];
}
