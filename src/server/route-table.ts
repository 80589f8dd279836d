import type { Route } from './route.js';
import { handleAdminBackends } from './routes/admin-backends.js';
import { handleAdminReload } from './routes/admin-reload.js';
import { chatCompletionsRoute } from './routes/chat-completions.js';
import { handleEmbeddings } from './routes/embeddings.js';
import { handleHardwareRecommendations } from './routes/hardware.js';
import { handleHealth, handleLive, handleReady } from './routes/health.js';
import { MCP_API_ROUTES } from './routes/mcp-api.js';
import { MCP_HUB_ROUTES } from './routes/mcp-hub.js';
import { countTokensRoute, messagesRoute } from './routes/messages.js';
import { handleGetModel, handleListModels } from './routes/models.js';

export const CORE_ROUTES: readonly Route[] = [
  chatCompletionsRoute,
  messagesRoute,
  countTokensRoute,
  { method: 'POST', path: '/v1/embeddings', auth: 'key', handler: handleEmbeddings },
  { method: 'GET', path: '/v1/models', auth: 'key', handler: handleListModels },
  { method: 'GET', path: '/v1/models/*', auth: 'key', handler: handleGetModel },
  { method: 'GET', path: '/health', auth: 'none', handler: handleHealth },
  { method: 'GET', path: '/health/live', auth: 'none', handler: handleLive },
  { method: 'GET', path: '/health/ready', auth: 'none', handler: handleReady },
  { method: 'GET', path: '/v1/hardware/recommendations', auth: 'none', handler: handleHardwareRecommendations },
  { method: 'POST', path: '/admin/reload', auth: 'master', handler: handleAdminReload },
  { method: 'GET', path: '/admin/backends', auth: 'master', handler: handleAdminBackends },
  ...MCP_API_ROUTES,
  ...MCP_HUB_ROUTES,
];

export interface RouteMatch {
  route: Route | undefined;
  /** Methods the path accepts (for 405 and `Allow`); worked out only when no route matched. */
  allowed: string[];
}

/** Finds the route for a request: exact paths first, then prefixes; a trailing slash is ignored. */
export type RouteMatcher = (method: string, path: string) => RouteMatch;

const NO_METHODS: string[] = [];

/**
 * Indexes routes once (exact paths in a map, prefixes in order), so matching a request allocates nothing when
 * a route matches. Among several routes for the same path and method, the first listed wins.
 */
export function compileRoutes(routes: readonly Route[]): RouteMatcher {
  const exact = new Map<string, Route[]>();
  const prefixes: { prefix: string; route: Route }[] = [];
  for (const route of routes) {
    if (route.path.endsWith('/*')) {
      prefixes.push({ prefix: route.path.slice(0, -1), route });
    } else {
      const list = exact.get(route.path);
      if (list === undefined) exact.set(route.path, [route]);
      else list.push(route);
    }
  }
  return (method, rawPath) => {
    const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
    const effectiveMethod = method === 'HEAD' ? 'GET' : method;
    let pool = exact.get(path);
    if (pool === undefined) {
      pool = [];
      for (const { prefix, route } of prefixes) {
        if (path.length > prefix.length && path.startsWith(prefix)) pool.push(route);
      }
    }
    for (const route of pool) if (route.method === effectiveMethod) return { route, allowed: NO_METHODS };
    return { route: undefined, allowed: [...new Set(pool.map((route) => route.method))] };
  };
}
