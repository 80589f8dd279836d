/**
 * The auth stage of `key` and `master` routes. Failed attempts (a wrong master key, an unknown virtual key) are
 * counted per client address; past the limit the address gets 429 with `Retry-After` before any key is checked.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthenticationError, LlamaGateError, PermissionDeniedError, RateLimitError } from '../../spec/errors.js';
import { extractCredential, requireApiKey } from '../auth.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import type { AuthFailureLimiter } from './auth-failures.js';
import type { Stage } from './stage.js';

/** Who decides what a model key is worth when billing is on (virtual keys, credits). */
export interface CallerAuthenticator {
  authenticate(
    context: GatewayContext,
    request: IncomingMessage,
    response: ServerResponse,
    state: RequestState,
  ): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

function refuseIfBlocked(failures: AuthFailureLimiter, state: RequestState): void {
  const seconds = failures.retryAfter(state.clientIp);
  if (seconds === undefined) return;
  throw new RateLimitError({
    message: `Too many failed authentication attempts from this address; retry after ${seconds}s`,
    retryAfter: seconds,
    isRetryable: true,
  });
}

/** Counts a failed authentication and logs it (never the key that was sent). */
function noteFailure(failures: AuthFailureLimiter, context: GatewayContext, state: RequestState, error: unknown) {
  if (LlamaGateError.isInstance(error) && error.status === 401) {
    failures.fail(state.clientIp);
    context.logger.warn(
      { requestId: state.id, clientIp: state.clientIp, path: state.path, code: error.code },
      'Authentication failed',
    );
  }
  return error;
}

/** `API_KEY`, when one is configured (the gateway without billing). */
function checkApiKey(context: GatewayContext, request: IncomingMessage, state: RequestState): void {
  const apiKey = context.config.apiKey;
  if (apiKey !== undefined && apiKey !== '') {
    state.credential = requireApiKey(request.headers, apiKey);
    return;
  }
  // Without billing there are no virtual keys: serving one anonymously would hide its limits from its owner.
  const credential = extractCredential(request.headers);
  if (credential?.startsWith('sk-lg-')) {
    throw new AuthenticationError({
      message: 'Invalid API key: virtual keys (sk-lg-…) need billing, which this gateway has off',
      isRetryable: false,
    });
  }
}

/** `key` routes: billing's authenticator when billing is on, else the shared `API_KEY` (if any). */
export function keyAuthStage(failures: AuthFailureLimiter, billing: CallerAuthenticator | undefined): Stage {
  if (billing !== undefined) {
    return async (context, request, response, state, next) => {
      refuseIfBlocked(failures, state);
      try {
        await billing.authenticate(context, request, response, state);
      } catch (error) {
        throw noteFailure(failures, context, state, error);
      }
      return next(context, request, response, state);
    };
  }
  return (context, request, response, state, next) => {
    refuseIfBlocked(failures, state);
    try {
      checkApiKey(context, request, state);
    } catch (error) {
      throw noteFailure(failures, context, state, error);
    }
    return next(context, request, response, state);
  };
}

/**
 * `master` routes take the master key (`LLAMAGATE_MASTER_KEY`, else `API_KEY`) as X-API-Key or Bearer. With
 * neither set they answer only on the loopback interface, so a keyless local gateway can still be reloaded.
 */
export function masterAuthStage(failures: AuthFailureLimiter): Stage {
  return (context, request, response, state, next) => {
    refuseIfBlocked(failures, state);
    const expected = context.config.masterKey || context.config.apiKey;
    if (expected === undefined || expected === '') {
      if (!LOOPBACK.has(state.clientIp)) {
        throw new PermissionDeniedError({
          message:
            'Admin endpoints need LLAMAGATE_MASTER_KEY (or API_KEY) to be set; without one they answer only on localhost',
          isRetryable: false,
        });
      }
    } else {
      try {
        state.credential = requireApiKey(request.headers, expected);
      } catch (error) {
        throw noteFailure(failures, context, state, error);
      }
    }
    state.role = 'master';
    return next(context, request, response, state);
  };
}
