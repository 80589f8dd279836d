/**
 * Named request stages, composed once per route (Hono's `compose`, Fastify's hooks): each stage gets the request
 * and the next step, and decides whether and when to call it. A route's pipeline is built with the route table,
 * so a request allocates nothing for it; `next` takes the request's values rather than closing over them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import type { RouteHandler } from '../route.js';

export type Stage = (
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
  next: RouteHandler,
) => Promise<void>;

/** The stages around `handler`, the first listed outermost, as one handler. */
export function compose(stages: readonly Stage[], handler: RouteHandler): RouteHandler {
  let next = handler;
  for (let index = stages.length - 1; index >= 0; index--) {
    const stage = stages[index] as Stage;
    const inner = next;
    next = (context, request, response, state) => stage(context, request, response, state, inner);
  }
  return next;
}
