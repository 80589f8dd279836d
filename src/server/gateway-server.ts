import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { closeSharedDispatcher } from '../provider-utils/http-client.js';
import { uuidV7 } from '../provider-utils/ids.js';
import { MethodNotAllowedError, NotFoundError, RateLimitError, toLlamaGateError } from '../spec/errors.js';
import { requireApiKey } from './auth.js';
import type { GatewayBilling } from './billing/gateway-billing.js';
import type { GatewayContext, RequestState } from './gateway-context.js';
import { addResponseHeaders, sendError } from './http-io.js';
import { requestLineWriter } from './request-log.js';
import { adminUiRoutes, CORE_ROUTES, compileRoutes, type Route } from './route-table.js';
import { DEFAULT_UI_DIRECTORY } from './ui-assets.js';
import { encodeOpenAIError } from './wire/openai-chat/openai-chat-codec.js';

const REQUEST_ID_PATTERN = /^[\w.:@-]{1,200}$/;

export interface GatewayServer {
  readonly server: Server;
  /** Resolves with the bound port once listening; rejects with a clear message when the port is taken. */
  listen(port?: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, lets in-flight requests finish up to the shutdown timeout, then closes upstream pools. */
  close(): Promise<void>;
  /** Replaces the context atomically; requests already running keep the one they started with. */
  setContext(context: GatewayContext): void;
  readonly context: GatewayContext;
  readonly inFlight: number;
}

export interface GatewayServerOptions {
  /** Extra routes (admin API, usage…) consulted before the core ones. */
  routes?: readonly Route[];
  /** Runs after auth for non-open routes (credit checks, virtual keys); may throw typed errors. */
  authorize?: (context: GatewayContext, request: IncomingMessage, state: RequestState) => Promise<void> | void;
  /** Called once per finished request, off the hot path, after the response was sent. */
  onFinished?: (context: GatewayContext, state: RequestState, status: number) => void;
  /**
   * Virtual keys, credits and usage (`openGatewayBilling`): replaces the plain API_KEY check, adds the admin
   * and usage routes, settles and records each request after its handler, and is closed with the server.
   */
  billing?: GatewayBilling;
  /** Where the built admin dashboard is (default: this package's `dist/web`); served at UI_PATH. */
  uiDirectory?: string;
}

function clientIp(request: IncomingMessage): string {
  return request.socket.remoteAddress ?? 'unknown';
}

const connectionAborts = new WeakMap<Socket, AbortController>();

/**
 * One AbortSignal per client connection, aborted when its socket closes: the requests of a keep-alive
 * connection share it (HTTP/1.1 answers them one after another), so a request costs no AbortController of
 * its own. Upstream calls listen to it only while they run.
 */
export function connectionSignal(socket: Socket): AbortSignal {
  let controller = connectionAborts.get(socket);
  if (controller === undefined) {
    const created = new AbortController();
    controller = created;
    connectionAborts.set(socket, created);
    socket.once('close', () => created.abort(new Error('client disconnected')));
  }
  return controller.signal;
}

/** The HTTP server: request id → route → rate limit → auth → handler → log line; errors mapped once. */
export function createGatewayServer(initial: GatewayContext, options: GatewayServerOptions = {}): GatewayServer {
  let context = initial;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const matchRoute = compileRoutes([
    ...(options.routes ?? []),
    ...(options.billing?.routes ?? []),
    ...CORE_ROUTES,
    ...adminUiRoutes(initial.config.ui, options.uiDirectory ?? DEFAULT_UI_DIRECTORY),
  ]);

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const current = context;
    const sentId = request.headers['x-request-id'];
    const id = typeof sentId === 'string' && REQUEST_ID_PATTERN.test(sentId) ? sentId : uuidV7();
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const state: RequestState = {
      id,
      path: query === -1 ? url : url.slice(0, query),
      startedAt: performance.now(),
      clientIp: clientIp(request),
      signal: connectionSignal(request.socket),
    };
    addResponseHeaders(response, 'x-request-id', id);
    inFlight++;
    response.on('close', () => {
      inFlight--;
      logRequest(current, request, response, state);
      options.onFinished?.(current, state, response.statusCode);
      if (inFlight === 0) drained?.();
    });
    let route: Route | undefined;
    try {
      const path = state.path;
      const match = matchRoute(request.method ?? 'GET', path);
      route = match.route;
      if (match.route === undefined) {
        if (match.allowed.length > 0) {
          response.setHeader('allow', match.allowed.join(', '));
          throw new MethodNotAllowedError({
            message: `Method ${request.method} is not allowed on ${path}; use ${match.allowed.join(' or ')}`,
          });
        }
        throw new NotFoundError({ message: `Unknown path ${path}`, param: null });
      }
      if (match.route.open !== true) {
        // Awaited only when billing or an authorize hook made the check asynchronous.
        const checking = guard(current, request, response, state);
        if (checking !== undefined) await checking;
      }
      await match.route.handler(current, request, response, state);
    } catch (error) {
      const failure = toLlamaGateError(error);
      state.errorCode = failure.code;
      if (failure.status >= 500 && failure.code === 'internal_error') {
        current.logger.error({ requestId: id, err: error }, 'unexpected error');
      }
      if (!response.headersSent) sendError(response, failure, id, route?.encodeError ?? encodeOpenAIError);
      else if (!response.writableEnded) response.end();
    }
    // Awaited only when there is work: `await undefined` still costs a microtask turn on every request.
    if (options.billing !== undefined) await options.billing.finish(state, response);
  };

  /** Auth, then the rate limit: synchronous unless billing or an authorize hook has to wait on storage. */
  const guard = (
    current: GatewayContext,
    request: IncomingMessage,
    response: ServerResponse,
    state: RequestState,
  ): Promise<void> | undefined => {
    if (options.billing !== undefined || options.authorize !== undefined) {
      return (async () => {
        if (options.billing !== undefined) await options.billing.authenticate(current, request, response, state);
        else authenticate(current, request, state);
        if (options.authorize !== undefined) await options.authorize(current, request, state);
        limit(current, response, state);
      })();
    }
    authenticate(current, request, state);
    limit(current, response, state);
    return undefined;
  };

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    handle(request, response).catch((error: unknown) => {
      context.logger.error({ err: error }, 'request handler crashed');
      if (!response.headersSent) sendError(response, toLlamaGateError(error), 'unknown', encodeOpenAIError);
    });
  };
  const tls = initial.config.tls;
  const server: Server = tls.enabled
    ? createHttpsServer(
        { cert: readFileSync(tls.certFile as string), key: readFileSync(tls.keyFile as string) },
        listener,
      )
    : createHttpServer(listener);
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;

  return {
    server,
    get context() {
      return context;
    },
    get inFlight() {
      return inFlight;
    },
    setContext(next) {
      const previous = context;
      context = next;
      if (previous === next) return;
      // Health checks follow the live configuration; requests in flight keep using the old router.
      if (server.listening) next.router.start();
      previous.router.stop();
    },
    listen(port = context.config.port, host = context.config.host) {
      return new Promise((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException) => {
          server.off('listening', onListening);
          if (error.code === 'EADDRINUSE')
            reject(
              new Error(`Port ${port} is already in use on ${host}: stop the other process or set PORT to a free port`),
            );
          else if (error.code === 'EACCES')
            reject(
              new Error(
                `No permission to listen on port ${port}: use a port above 1023 or run with the needed privileges`,
              ),
            );
          else reject(error);
        };
        const onListening = () => {
          server.off('error', onError);
          context.router.start();
          resolve(server.address() as AddressInfo);
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen(port, host);
      });
    },
    async close() {
      context.router.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        const finished = new Promise<void>((resolve) => {
          drained = resolve;
        });
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((resolve) => {
          timer = setTimeout(resolve, context.config.shutdownTimeoutMs);
        });
        await Promise.race([finished, timeout]);
        clearTimeout(timer);
      }
      server.closeAllConnections();
      await closed;
      await options.billing?.close();
      await closeSharedDispatcher();
    },
  };
}

function authenticate(context: GatewayContext, request: IncomingMessage, state: RequestState): void {
  const apiKey = context.config.apiKey;
  if (apiKey !== undefined && apiKey !== '') state.credential = requireApiKey(request.headers, apiKey);
}

function limit(context: GatewayContext, response: ServerResponse, state: RequestState): void {
  const verdict = context.limiter.take(state.credential ?? state.clientIp);
  addResponseHeaders(
    response,
    'x-ratelimit-limit',
    String(verdict.limit),
    'x-ratelimit-remaining',
    String(verdict.remaining),
    'x-ratelimit-reset',
    String(verdict.resetSeconds),
  );
  if (!verdict.allowed) {
    throw new RateLimitError({
      message: `Rate limit exceeded: ${context.config.rateLimitRps} requests per second; retry after ${verdict.retryAfterSeconds}s`,
      retryAfter: verdict.retryAfterSeconds,
      isRetryable: true,
    });
  }
}

const requestLines = new WeakMap<GatewayContext['logger'], ReturnType<typeof requestLineWriter>>();

function logRequest(context: GatewayContext, request: IncomingMessage, response: ServerResponse, state: RequestState) {
  let write = requestLines.get(context.logger);
  if (write === undefined) {
    write = requestLineWriter(context.logger);
    requestLines.set(context.logger, write);
  }
  write(state, {
    method: request.method ?? 'GET',
    status: response.writableFinished ? response.statusCode : 499,
  });
}
