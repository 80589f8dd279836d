import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { closeSharedDispatcher } from '../provider-utils/http-client.js';
import { uuidV7 } from '../provider-utils/ids.js';
import { BadRequestError, MethodNotAllowedError, NotFoundError, toLlamaGateError } from '../spec/errors.js';
import { handleClientError } from './client-error.js';
import { checkingIntervalMs, guardConnections } from './connection-guard.js';
import type { GatewayContext, RequestState } from './gateway-context.js';
import { addResponseHeaders, sendError } from './http-io.js';
import type { GatewayObservability } from './observability/gateway-observability.js';
import type { Route } from './route.js';
import { adminUiRoutes, CORE_ROUTES, compileRoutes } from './route-table.js';
import { keyAuthStage, masterAuthStage } from './stages/auth.js';
import { AuthFailureLimiter } from './stages/auth-failures.js';
import { billingSettleStage, type GatewayBillingPlugin } from './stages/billing.js';
import { errorResponseStage } from './stages/error-response.js';
import { rateLimitStage } from './stages/rate-limit.js';
import { requestLogStage, startedHandler } from './stages/request-log.js';
import { compose, type Stage } from './stages/stage.js';
import { DEFAULT_UI_DIRECTORY } from './ui-assets.js';
import { encodeOpenAIError } from './wire/openai-chat/openai-chat-codec.js';

/** Failed authentications allowed per minute and client address before it gets 429 (`AUTH_FAILURES_PER_MINUTE`). */
const DEFAULT_AUTH_FAILURES_PER_MINUTE = 10;

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
  /**
   * Virtual keys, credits and usage (`openGatewayBilling`): replaces the plain API_KEY check, adds the admin
   * and usage routes, settles and records each request after its handler, and is closed with the server.
   */
  billing?: GatewayBillingPlugin;
  /** Where the built admin dashboard is (default: this package's `dist/web`); served at UI_PATH. */
  uiDirectory?: string;
  /**
   * Metrics, tracing and the request log (`openGatewayObservability`): a stage around every route (outside
   * billing's, so it sees the settled cost), `/metrics` and the request-log routes; closed with the server.
   */
  observability?: GatewayObservability;
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

/**
 * The HTTP server. Each route's stages are composed once, here: request log → billing settle → error response
 * → auth (by the route's `auth`) → rate limit → handler (billing admission and charging happen in the handler's
 * exchange, through its events). The request id is assigned before the first stage.
 */
export function createGatewayServer(initial: GatewayContext, options: GatewayServerOptions = {}): GatewayServer {
  let context = initial;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const billing = options.billing;
  const failures = new AuthFailureLimiter(initial.config.authFailuresPerMinute ?? DEFAULT_AUTH_FAILURES_PER_MINUTE);
  const keyAuth = keyAuthStage(failures, billing);
  const masterAuth = masterAuthStage(failures);
  const observability = options.observability;
  const outerFor = (routePath: string): Stage[] => [
    requestLogStage,
    ...(observability === undefined ? [] : [observability.stage(routePath)]),
    ...(billing === undefined ? [] : [billingSettleStage(billing)]),
  ];
  const pipeline = (route: Route): Route => {
    const stages = [...outerFor(route.path), errorResponseStage(route.encodeError ?? encodeOpenAIError)];
    if (route.defaultKey !== undefined) stages.push(defaultKeyStage(route.defaultKey));
    if (route.auth === 'key') stages.push(keyAuth, rateLimitStage);
    else if (route.auth === 'master') stages.push(masterAuth, rateLimitStage);
    return { ...route, handler: compose(stages, startedHandler(route.handler)) };
  };
  const matchRoute = compileRoutes(
    [
      ...(options.routes ?? []),
      ...(observability?.routes ?? []),
      ...(billing?.routes ?? []),
      ...CORE_ROUTES,
      ...adminUiRoutes(initial.config.ui, options.uiDirectory ?? DEFAULT_UI_DIRECTORY),
    ].map(pipeline),
  );
  const unmatched = compose(
    [...outerFor('unmatched'), errorResponseStage(encodeOpenAIError)],
    async (_current, request, response, state) => {
      const allowed = matchRoute(request.method ?? 'GET', state.path).allowed;
      if (allowed.length > 0) {
        response.setHeader('allow', allowed.join(', '));
        throw new MethodNotAllowedError({
          message: `Method ${request.method} is not allowed on ${state.path}; use ${allowed.join(' or ')}`,
        });
      }
      throw new NotFoundError({ message: `Unknown path ${state.path}`, param: null });
    },
  );

  observability?.watchRouter(() => context.router);
  // The MCP manager outlives reloads (each context takes the previous one's), so one subscription holds.
  const recordToolCall = billing?.recordToolCall?.bind(billing);
  const stopRecordingToolCalls = recordToolCall === undefined ? undefined : initial.mcp?.onRecord(recordToolCall);

  const handle = (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const current = context;
    const sentId = request.headers['x-request-id'];
    // The gateway's own id identifies the request (ledger, request log); a client's id is echoed and kept beside it.
    const id = uuidV7();
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const state: RequestState = {
      id,
      path: query === -1 ? url : url.slice(0, query),
      startedAt: performance.now(),
      clientIp: clientIp(request),
      signal: connectionSignal(request.socket),
    };
    if (typeof sentId === 'string' && REQUEST_ID_PATTERN.test(sentId)) {
      state.clientRequestId = sentId;
      addResponseHeaders(response, 'x-request-id', sentId, 'x-llamagate-request-id', id);
    } else addResponseHeaders(response, 'x-request-id', id);
    inFlight++;
    response.on('close', () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
    const route = matchRoute(request.method ?? 'GET', state.path).route;
    return (route === undefined ? unmatched : route.handler)(current, request, response, state);
  };

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    // Node's own answer to an HTTP/1.1 request without Host is a bare 400 (requireHostHeader): this one has a body.
    if (request.headers.host === undefined && request.httpVersionMinor === 1) {
      response.shouldKeepAlive = false;
      const error = new BadRequestError({ message: 'An HTTP/1.1 request needs a Host header', param: 'host' });
      sendError(response, error, uuidV7(), encodeOpenAIError);
      return;
    }
    handle(request, response).catch((error: unknown) => {
      context.logger.error({ err: error }, 'request handler crashed');
      if (!response.headersSent) sendError(response, toLlamaGateError(error), 'unknown', encodeOpenAIError);
    });
  };
  const tls = initial.config.tls;
  const limits = initial.config.connections;
  const server: Server = tls.enabled
    ? createHttpsServer(
        {
          cert: readFileSync(tls.certFile as string),
          key: readFileSync(tls.keyFile as string),
          connectionsCheckingInterval: checkingIntervalMs(limits),
          requireHostHeader: false,
        },
        listener,
      )
    : createHttpServer({ connectionsCheckingInterval: checkingIntervalMs(limits), requireHostHeader: false }, listener);
  guardConnections(server, limits, () => context.logger);
  server.on('clientError', (error: Error & { code?: string }, socket) =>
    handleClientError(context.logger, error, socket),
  );

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
          const address = server.address() as AddressInfo;
          if (observability === undefined) resolve(address);
          else observability.listen(host).then(() => resolve(address), reject);
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
      await context.mcp?.close();
      stopRecordingToolCalls?.();
      await billing?.close();
      await observability?.close();
      await context.responses?.close();
      await closeSharedDispatcher();
    },
  };
}

/** Gives a request that sends no key the route's default key (Ollama's API: see OLLAMA_API_DEFAULT_KEY). */
function defaultKeyStage(defaultKey: (context: GatewayContext) => string | undefined): Stage {
  return (context, request, response, state, next) => {
    const key = defaultKey(context);
    if (key !== undefined && request.headers.authorization === undefined && request.headers['x-api-key'] === undefined)
      request.headers.authorization = `Bearer ${key}`;
    return next(context, request, response, state);
  };
}
