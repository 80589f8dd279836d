/**
 * `GET /metrics`: the Prometheus text, for the master key or `METRICS_TOKEN` (X-API-Key or Bearer). With
 * neither configured it answers only on the loopback interface, like the admin API.
 */
import { PermissionDeniedError } from '../../spec/errors.js';
import { extractCredential, requireApiKey, safeEqual } from '../auth.js';
import type { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { Route, RouteHandler } from '../route.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export function metricsRoutes(metrics: GatewayMetrics, metricsToken: string | undefined): Route[] {
  const handler: RouteHandler = async (context, request, response, state) => {
    const credential = extractCredential(request.headers);
    const byToken = metricsToken !== undefined && credential !== undefined && safeEqual(credential, metricsToken);
    if (!byToken) {
      const expected = context.config.masterKey || context.config.apiKey;
      if (expected === undefined || expected === '') {
        if (!LOOPBACK.has(state.clientIp)) {
          throw new PermissionDeniedError({
            message:
              '/metrics needs METRICS_TOKEN or LLAMAGATE_MASTER_KEY; without either it answers only on localhost',
            isRetryable: false,
          });
        }
      } else {
        state.credential = requireApiKey(request.headers, expected);
      }
    }
    const body = await metrics.text();
    response.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
    response.end(body);
  };
  return [{ method: 'GET', path: '/metrics', auth: 'none', handler }];
}
