/** The per-caller token bucket (`RATE_LIMIT_RPS`), keyed by the credential, else the client address. */
import { RateLimitError } from '../../spec/errors.js';
import { addResponseHeaders } from '../http-io.js';
import type { Stage } from './stage.js';

export const rateLimitStage: Stage = (context, request, response, state, next) => {
  const verdict = context.limiter.take(state.credential ?? state.clientIp);
  addResponseHeaders(
    response,
    'x-ratelimit-limit',
    String(verdict.limit),
    'x-ratelimit-remaining',
    String(verdict.remaining),
    'x-ratelimit-reset',
    String(verdict.resetSeconds),
  );
  if (!verdict.allowed) {
    throw new RateLimitError({
      message: `Rate limit exceeded: ${context.config.rateLimitRps} requests per second; retry after ${verdict.retryAfterSeconds}s`,
      retryAfter: verdict.retryAfterSeconds,
      isRetryable: true,
    });
  }
  return next(context, request, response, state);
};
