import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import { sendJson } from '../http-io.js';
import { requireMasterKey } from './admin-auth.js';

/**
 * `GET /admin/backends`: every backend's routing state (healthy / cooling-down / half-open), latency EWMAs,
 * requests in flight, failures, last error and last health check; plus pools, model aliases and routes.
 */
export async function handleAdminBackends(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  requireMasterKey(context, request, state);
  sendJson(response, 200, context.router.snapshot());
}
