/**
 * `GET /metrics`: the Prometheus text, for the master key or `METRICS_TOKEN` (X-API-Key or Bearer). With
 * neither configured it answers only on the loopback interface, like the admin API.
 */
import { PermissionDeniedError } from '../../spec/errors.js';
import { extractCredential, safeEqual } from '../auth.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Route, RouteHandler } from '../route-table.js';
import { requireMasterKey } from './admin-auth.js';

export function metricsRoutes(metrics: GatewayMetrics, metricsToken: string | undefined): Route[] {
  const handler: RouteHandler = async (context, request, response, state) => {
    const credential = extractCredential(request.headers);
    const byToken = metricsToken !== undefined && credential !== undefined && safeEqual(credential, metricsToken);
    if (!byToken) {
      const master = context.config.masterKey || context.config.apiKey;
      if ((master === undefined || master === '') && metricsToken !== undefined && credential === undefined) {
        throw new PermissionDeniedError({ message: '/metrics needs METRICS_TOKEN', isRetryable: false });
      }
      requireMasterKey(context, request, state);
    }
    const body = await metrics.text();
    response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
    response.end(body);
  };
  return [{ method: 'GET', path: '/metrics', handler, open: true }];
}
