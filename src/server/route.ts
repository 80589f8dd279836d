/** What a route is: a method, a path, who may call it, and its handler (the table is in route-table.ts). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LlamaGateError } from '../spec/errors.js';
import type { GatewayContext, RequestState } from './gateway-context.js';
import type { EncodedError } from './wire/chat-codec.js';

export type RouteHandler = (
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
) => Promise<void>;

/**
 * Who may call a route: anyone (`none`: health and hardware, no rate limit either), a caller with a model key
 * (`key`: API_KEY, a virtual key or the master key), or the master key alone (`master`: the admin API; without
 * one configured, loopback callers only).
 */
export type RouteAuth = 'none' | 'key' | 'master';

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Exact path, or a prefix ending in `/*`. */
  path: string;
  auth: RouteAuth;
  handler: RouteHandler;
  /** Failures before the response started, in the route's wire format (OpenAI's when absent). */
  encodeError?: (error: LlamaGateError, requestId: string) => EncodedError;
}
