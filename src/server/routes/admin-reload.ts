import type { IncomingMessage, ServerResponse } from 'node:http';
import { ServiceUnavailableError, ValidationError } from '../../spec/errors.js';
import type { GatewayContext } from '../gateway-context.js';
import { sendJson } from '../http-io.js';

/**
 * `POST /admin/reload`: reads the configuration again and swaps it in atomically. A bad file answers 422 with
 * the reason and the running configuration stays; requests in flight finish on the one they started with.
 * `restartRequired` names changed settings that are read only at start-up, which keep their old values.
 */
export async function handleAdminReload(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  request.resume();
  if (context.reloader === undefined) {
    throw new ServiceUnavailableError({
      message: 'This gateway was started without a configuration source to reload from',
      isRetryable: false,
    });
  }
  const outcome = context.reloader.reload();
  if (!outcome.ok) {
    throw new ValidationError({
      message: `Configuration rejected; the previous configuration stays in force. ${outcome.reason}`,
      isRetryable: false,
    });
  }
  sendJson(response, 200, {
    status: 'reloaded',
    configFile: outcome.configFile ?? null,
    backends: outcome.backends,
    restartRequired: outcome.restartRequired,
  });
}
