/** The one log line per request, written when the response closes (a client that went away is logged as 499). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { emitRequestEnd, emitRequestStart } from '../exchange/emit.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import { requestLineWriter } from '../request-log.js';
import type { RouteHandler } from '../route.js';
import type { Stage } from './stage.js';

const requestLines = new WeakMap<GatewayContext['logger'], ReturnType<typeof requestLineWriter>>();

function logRequest(context: GatewayContext, request: IncomingMessage, response: ServerResponse, state: RequestState) {
  let write = requestLines.get(context.logger);
  if (write === undefined) {
    write = requestLineWriter(context.logger);
    requestLines.set(context.logger, write);
  }
  const status = response.writableFinished ? response.statusCode : 499;
  write(state, { method: request.method ?? 'GET', status });
  emitRequestEnd(state, status);
}

export const requestLogStage: Stage = (context, request, response, state, next) => {
  response.once('close', () => logRequest(context, request, response, state));
  return next(context, request, response, state);
};

/** The handler, after every stage had its turn (and subscribed to the exchange's events). */
export function startedHandler(handler: RouteHandler): RouteHandler {
  return (context, request, response, state) => {
    emitRequestStart(state);
    return handler(context, request, response, state);
  };
}
