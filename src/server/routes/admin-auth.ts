import type { IncomingMessage } from 'node:http';
import { PermissionDeniedError } from '../../spec/errors.js';
import { requireApiKey } from '../auth.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Admin endpoints take the master key (`LLAMAGATE_MASTER_KEY`, else `API_KEY`) as X-API-Key or Bearer. With
 * neither set they answer only on the loopback interface, so a keyless local gateway can still be reloaded.
 */
export function requireMasterKey(context: GatewayContext, request: IncomingMessage, state: RequestState): void {
  const expected = context.config.masterKey || context.config.apiKey;
  if (expected === undefined || expected === '') {
    if (LOOPBACK.has(state.clientIp)) return;
    throw new PermissionDeniedError({
      message:
        'Admin endpoints need LLAMAGATE_MASTER_KEY (or API_KEY) to be set; without one they answer only on localhost',
      isRetryable: false,
    });
  }
  state.credential = requireApiKey(request.headers, expected);
}
