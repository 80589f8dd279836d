/**
 * The request log over HTTP (snake_case JSON):
 *   GET /admin/requests        filters from, to (ISO or epoch ms), key_id, model, backend, status (code or
 *                              2xx/4xx/5xx), error_type, min_latency_ms; limit (default 50, at most 200); cursor
 *                              → { data: [RequestSummary], next_cursor }, newest first;
 *   GET /admin/requests/{id}   one request with its attempt waterfall, usage and captured bodies;
 *   GET /v1/requests(/{id})    the same for the calling virtual key only (the master key sees all).
 */
import type { IncomingMessage } from 'node:http';
import { formatDollars } from '../../pricing/money.js';
import { BadRequestError, NotFoundError, PermissionDeniedError } from '../../spec/errors.js';
import type { RequestLog, RequestLogQuery, RequestLogRecord } from '../../storage/request-log.js';
import { parseTime } from '../billing/key-views.js';
import type { RequestState } from '../gateway-context.js';
import { sendJson } from '../http-io.js';
import type { Route, RouteHandler } from '../route.js';

function summary(record: RequestLogRecord) {
  return {
    id: record.id,
    client_request_id: record.clientRequestId ?? null,
    time: new Date(record.time).toISOString(),
    key_id: record.keyId,
    route: record.route,
    format: record.format,
    model: record.model,
    backend: record.backend,
    status: record.status,
    error_type: record.errorType,
    error_code: record.errorCode,
    latency_ms: record.latencyMs,
    ttfc_ms: record.ttfcMs,
    stream: record.stream,
    cache: record.cache,
    input_tokens: record.usage?.inputTokens ?? null,
    output_tokens: record.usage?.outputTokens ?? null,
    cost_usd: record.cost === null ? null : formatDollars(record.cost, { minDecimals: 6 }),
    attempts: record.attempts.length,
  };
}

function detail(record: RequestLogRecord) {
  const usage = record.usage;
  return {
    ...summary(record),
    attempts_detail: record.attempts.map((attempt) => ({
      backend: attempt.backend,
      model: attempt.model,
      status: attempt.status,
      latency_ms: attempt.latencyMs,
      error_code: attempt.errorCode,
      error_message: attempt.errorMessage,
    })),
    usage:
      usage === null
        ? null
        : {
            input_tokens: usage.inputTokens ?? null,
            output_tokens: usage.outputTokens ?? null,
            cached_tokens: usage.cachedTokens ?? null,
            reasoning_tokens: usage.reasoningTokens ?? null,
            estimated: usage.estimated ?? false,
          },
    request_body: record.requestBody,
    response_body: record.responseBody,
  };
}

const STATUS_CLASS = /^([1-5])xx$/i;

function wholeNumber(value: string, param: string): number {
  if (!/^\d{1,15}$/.test(value.trim())) {
    throw new BadRequestError({ message: `${param} must be a whole number`, param });
  }
  return Number(value);
}

/** The query string as a request-log query; bad values are 400s naming the parameter. */
export function requestLogQuery(request: IncomingMessage): RequestLogQuery {
  const params = new URL(request.url ?? '/', 'http://localhost').searchParams;
  const query: RequestLogQuery = {};
  const text = (name: string) => {
    const value = params.get(name);
    return value === null || value === '' ? undefined : value;
  };
  const from = text('from');
  if (from !== undefined) query.from = parseTime(from, 'from');
  const to = text('to');
  if (to !== undefined) query.to = parseTime(to, 'to');
  const keyId = text('key_id');
  if (keyId !== undefined) query.keyId = keyId;
  const model = text('model');
  if (model !== undefined) query.model = model;
  const backend = text('backend');
  if (backend !== undefined) query.backend = backend;
  const errorType = text('error_type');
  if (errorType !== undefined) query.errorType = errorType;
  const status = text('status');
  if (status !== undefined) {
    const classMatch = STATUS_CLASS.exec(status.trim());
    if (classMatch !== null) {
      const from = Number(classMatch[1]) * 100;
      query.status = { from, to: from + 100 };
    } else {
      const code = wholeNumber(status, 'status');
      if (code < 100 || code > 599) {
        throw new BadRequestError({ message: 'status must be an HTTP status or 2xx, 4xx, 5xx', param: 'status' });
      }
      query.status = { exact: code };
    }
  }
  const minLatency = text('min_latency_ms');
  if (minLatency !== undefined) query.minLatencyMs = wholeNumber(minLatency, 'min_latency_ms');
  const limit = text('limit');
  if (limit !== undefined) {
    const value = wholeNumber(limit, 'limit');
    if (value < 1) throw new BadRequestError({ message: 'limit must be at least 1', param: 'limit' });
    query.limit = Math.min(value, 200);
  }
  const cursor = text('cursor');
  if (cursor !== undefined) query.cursor = cursor;
  return query;
}

async function page(log: RequestLog, query: RequestLogQuery) {
  try {
    const result = await log.list(query);
    return { data: result.records.map(summary), next_cursor: result.nextCursor };
  } catch (error) {
    if (error instanceof RangeError) throw new BadRequestError({ message: error.message, param: 'cursor' });
    throw error;
  }
}

function idFrom(state: RequestState, prefix: string): string {
  const raw = state.path.slice(prefix.length).replace(/\/$/, '');
  try {
    return decodeURIComponent(raw);
  } catch {
    throw notFound(raw);
  }
}

/** The virtual key a /v1/requests caller may see (null scope: the master key sees every key). */
function callerScope(state: RequestState): { keyId: string } | null {
  if (state.role === 'key' && state.keyId !== undefined) return { keyId: state.keyId };
  if (state.role === 'master') return null;
  throw new PermissionDeniedError({ message: '/v1/requests needs a virtual API key (sk-lg-…)', isRetryable: false });
}

function notFound(id: string): NotFoundError {
  return new NotFoundError({ message: `No logged request ${id}`, param: 'id' });
}

export function requestLogRoutes(log: RequestLog): Route[] {
  const adminList: RouteHandler = async (_context, request, response) => {
    sendJson(response, 200, await page(log, requestLogQuery(request)));
  };
  const adminOne: RouteHandler = async (_context, _request, response, state) => {
    const id = idFrom(state, '/admin/requests/');
    const record = await log.get(id);
    if (record === undefined) throw notFound(id);
    sendJson(response, 200, detail(record));
  };
  const ownList: RouteHandler = async (_context, request, response, state) => {
    const scope = callerScope(state);
    const query = requestLogQuery(request);
    if (scope !== null) query.keyId = scope.keyId;
    sendJson(response, 200, await page(log, query));
  };
  const ownOne: RouteHandler = async (_context, _request, response, state) => {
    const scope = callerScope(state);
    const id = idFrom(state, '/v1/requests/');
    const record = await log.get(id, scope ?? undefined);
    if (record === undefined) throw notFound(id);
    sendJson(response, 200, detail(record));
  };
  return [
    { method: 'GET', path: '/admin/requests', auth: 'master', handler: adminList },
    { method: 'GET', path: '/admin/requests/*', auth: 'master', handler: adminOne },
    { method: 'GET', path: '/v1/requests', auth: 'key', handler: ownList },
    { method: 'GET', path: '/v1/requests/*', auth: 'key', handler: ownOne },
  ];
}
