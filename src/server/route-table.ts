import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext, RequestState } from './gateway-context.js';
import { handleAdminBackends } from './routes/admin-backends.js';
import { handleAdminReload } from './routes/admin-reload.js';
import { handleChatCompletions } from './routes/chat-completions.js';
import { handleEmbeddings } from './routes/embeddings.js';
import { handleHardwareRecommendations } from './routes/hardware.js';
import { handleHealth, handleLive, handleReady } from './routes/health.js';
import { handleGetModel, handleListModels } from './routes/models.js';

export type RouteHandler = (
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
) => Promise<void>;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Exact path, or a prefix ending in `/*`. */
  path: string;
  handler: RouteHandler;
  /** Health and hardware are open: no auth, no rate limit. Admin routes are open too and check the master key. */
  open?: boolean;
}

export const CORE_ROUTES: readonly Route[] = [
  { method: 'POST', path: '/v1/chat/completions', handler: handleChatCompletions },
  { method: 'POST', path: '/v1/embeddings', handler: handleEmbeddings },
  { method: 'GET', path: '/v1/models', handler: handleListModels },
  { method: 'GET', path: '/v1/models/*', handler: handleGetModel },
  { method: 'GET', path: '/health', handler: handleHealth, open: true },
  { method: 'GET', path: '/health/live', handler: handleLive, open: true },
  { method: 'GET', path: '/health/ready', handler: handleReady, open: true },
  { method: 'GET', path: '/v1/hardware/recommendations', handler: handleHardwareRecommendations, open: true },
  // Admin routes check the master key themselves (not API keys, not the credit hook).
  { method: 'POST', path: '/admin/reload', handler: handleAdminReload, open: true },
  { method: 'GET', path: '/admin/backends', handler: handleAdminBackends, open: true },
];

export interface RouteMatch {
  route: Route | undefined;
  /** Methods the path accepts (for 405 and `Allow`). */
  allowed: string[];
}

function pathMatches(pattern: string, path: string): boolean {
  if (pattern.endsWith('/*')) return path.startsWith(pattern.slice(0, -1)) && path.length > pattern.length - 1;
  return pattern === path;
}

/** Exact paths first, then prefixes; a trailing slash is ignored. */
export function matchRoute(routes: readonly Route[], method: string, rawPath: string): RouteMatch {
  const path = rawPath.length > 1 && rawPath.endsWith('/') ? rawPath.slice(0, -1) : rawPath;
  const candidates = routes.filter((route) => pathMatches(route.path, path));
  const exact = candidates.filter((route) => !route.path.endsWith('/*'));
  const pool = exact.length > 0 ? exact : candidates;
  const effectiveMethod = method === 'HEAD' ? 'GET' : method;
  return {
    route: pool.find((route) => route.method === effectiveMethod),
    allowed: [...new Set(pool.map((route) => route.method))],
  };
}
