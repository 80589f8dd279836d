import { sendJson } from '../http-io.js';
import type { RouteHandler } from '../route.js';

/**
 * `GET /admin/backends`: every backend's routing state (healthy / cooling-down / half-open), latency EWMAs,
 * requests in flight, failures, last error and last health check; plus pools, model aliases and routes.
 */
export const handleAdminBackends: RouteHandler = async (context, _request, response) => {
  sendJson(response, 200, context.router.snapshot());
};
