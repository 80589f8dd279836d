/**
 * The key admin API (master key only: the routes are `auth: 'master'`):
 *   POST   /admin/keys                    create (returns the secret once, in `key`)
 *   GET    /admin/keys                    list (`?include_revoked=true&limit=&offset=`)
 *   GET    /admin/keys/:id                get
 *   PATCH  /admin/keys/:id                update settings
 *   POST   /admin/keys/:id/rotate         new secret, same key (returns it once)
 *   POST   /admin/keys/:id/revoke         revoke (also DELETE /admin/keys/:id)
 *   POST   /admin/keys/:id/credits        add `{ amount, reason }` (dollars; negative deducts)
 *   PUT    /admin/keys/:id/credits        set the balance `{ amount, reason }`
 *   GET    /admin/keys/:id/credits        credit ledger (`?limit=&before=`)
 *   GET    /admin/usage                   totals (`?key_id=&model=&from=&to=&group_by=key,model,day`)
 *   GET    /admin/usage/records           raw ledger rows, newest first (`?…&limit=&before=<time>,<request id>`)
 *   GET    /admin/usage/tools             MCP tool-call totals, per server and tool (`?key_id=&server=&tool=&from=&to=`)
 *   GET    /admin/usage/tool-calls        MCP tool calls, newest first (`?key_id=&server=&tool=&from=&to=&limit=&before=<time>,<id>`)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeUriComponentSafely } from '../../provider-utils/json-limits.js';
import { BadRequestError, MethodNotAllowedError, NotFoundError } from '../../spec/errors.js';
import type { UsageGroupBy } from '../../storage/usage-ledger.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import { parseJsonBody, readBody, sendJson } from '../http-io.js';
import type { Route, RouteHandler } from '../route.js';
import type { KeyAdmin, UsageQuery } from './key-admin.js';
import { parseTime } from './key-views.js';

const GROUPS: readonly UsageGroupBy[] = ['key', 'model', 'day'];

function query(request: IncomingMessage): URLSearchParams {
  return new URL(request.url ?? '/', 'http://localhost').searchParams;
}

function positiveInteger(params: URLSearchParams, name: string): number | undefined {
  const value = params.get(name);
  if (value === null || value === '') return undefined;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) {
    throw new BadRequestError({ message: `${name} must be a non-negative integer`, param: name });
  }
  return number;
}

/** `key_id`, `model`, `from`, `to` of a usage query string. */
export function usageQuery(params: URLSearchParams): UsageQuery {
  const result: UsageQuery = {};
  const keyId = params.get('key_id');
  if (keyId) result.keyId = keyId;
  const model = params.get('model');
  if (model) result.model = model;
  const clientRequestId = params.get('client_request_id');
  if (clientRequestId) result.clientRequestId = clientRequestId;
  const from = params.get('from');
  if (from) result.from = parseTime(from, 'from');
  const to = params.get('to');
  if (to) result.to = parseTime(to, 'to');
  return result;
}

async function jsonBody(context: GatewayContext, request: IncomingMessage): Promise<unknown> {
  const body = parseJsonBody(await readBody(request, context.config.maxBodySize));
  // Postgres text cannot hold U+0000: refused here alike for every storage, rather than a 500 on one of them.
  if (containsNul(body))
    throw new BadRequestError({
      message: 'Text in the admin API cannot contain NUL (U+0000) characters',
      param: 'body',
    });
  return body;
}

function containsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(containsNul);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).some(([key, item]) => key.includes('\u0000') || containsNul(item));
  return false;
}

export function adminKeyRoutes(admin: KeyAdmin): Route[] {
  const create: RouteHandler = async (context, request, response) => {
    sendJson(response, 201, await admin.create(await jsonBody(context, request)));
  };
  const list: RouteHandler = async (_context, request, response) => {
    const params = query(request);
    const options = {
      includeRevoked: params.get('include_revoked') === 'true',
      ...optional('limit', positiveInteger(params, 'limit')),
      ...optional('offset', positiveInteger(params, 'offset')),
    };
    sendJson(response, 200, { object: 'list', data: await admin.list(options) });
  };
  const oneKey: RouteHandler = (context, request, response, state) =>
    handleKeyPath(admin, context, request, response, state);
  const usage: RouteHandler = async (_context, request, response) => {
    const params = query(request);
    const groupBy = (params.get('group_by') ?? '')
      .split(',')
      .map((group) => group.trim())
      .filter((group) => group !== '');
    for (const group of groupBy) {
      if (!GROUPS.includes(group as UsageGroupBy)) {
        throw new BadRequestError({ message: 'group_by takes key, model and day, comma-separated', param: 'group_by' });
      }
    }
    const data = await admin.usageSummary(usageQuery(params), groupBy as UsageGroupBy[]);
    sendJson(response, 200, { object: 'list', data });
  };
  const records: RouteHandler = async (_context, request, response) => {
    const params = query(request);
    const before = cursorOf(params, 'request id');
    const cursor = before === undefined ? undefined : { time: before.time, requestId: before.id };
    const data = await admin.usageRecords({
      ...usageQuery(params),
      ...optional('limit', positiveInteger(params, 'limit')),
      ...optional('before', cursor),
    });
    sendJson(response, 200, { object: 'list', data });
  };
  const toolFilter = (params: URLSearchParams) => {
    const { model: _model, ...range } = usageQuery(params);
    return {
      ...range,
      ...optional('server', params.get('server') || undefined),
      ...optional('tool', params.get('tool') || undefined),
    };
  };
  const toolUsage: RouteHandler = async (_context, request, response) => {
    sendJson(response, 200, await admin.toolCallSummary(toolFilter(query(request))));
  };
  const toolCalls: RouteHandler = async (_context, request, response) => {
    const params = query(request);
    const data = await admin.toolCallRecords({
      ...toolFilter(params),
      ...optional('limit', positiveInteger(params, 'limit')),
      ...optional('before', cursorOf(params, 'id')),
    });
    sendJson(response, 200, { object: 'list', data });
  };
  const keyPath = (['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const).map(
    (method): Route => ({ method, path: '/admin/keys/*', auth: 'master', handler: oneKey }),
  );
  return [
    { method: 'POST', path: '/admin/keys', auth: 'master', handler: create },
    { method: 'GET', path: '/admin/keys', auth: 'master', handler: list },
    ...keyPath,
    { method: 'GET', path: '/admin/usage', auth: 'master', handler: usage },
    { method: 'GET', path: '/admin/usage/records', auth: 'master', handler: records },
    { method: 'GET', path: '/admin/usage/tools', auth: 'master', handler: toolUsage },
    { method: 'GET', path: '/admin/usage/tool-calls', auth: 'master', handler: toolCalls },
  ];
}

/** A keyset cursor `before=<time>,<id>`. */
function cursorOf(params: URLSearchParams, idName: string): { time: number; id: string } | undefined {
  const before = params.get('before');
  if (!before) return undefined;
  const comma = before.indexOf(',');
  if (comma < 0) throw new BadRequestError({ message: `before is <time>,<${idName}>`, param: 'before' });
  return { time: parseTime(before.slice(0, comma), 'before'), id: before.slice(comma + 1) };
}

function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}

/** `/admin/keys/:id[/rotate|/revoke|/credits]`. */
async function handleKeyPath(
  admin: KeyAdmin,
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  _state: RequestState,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname.replace(/\/$/, '');
  const [id, action, ...rest] = path
    .slice('/admin/keys/'.length)
    .split('/')
    .map((segment) => decodeUriComponentSafely(segment, 'path'));
  const method = request.method ?? 'GET';
  if (id === undefined || id === '' || rest.length > 0) throw new NotFoundError({ message: `Unknown path ${path}` });
  const allow = (methods: string[]) => {
    response.setHeader('allow', methods.join(', '));
    return new MethodNotAllowedError({
      message: `Method ${method} is not allowed on ${path}; use ${methods.join(' or ')}`,
    });
  };
  if (action === undefined) {
    if (method === 'GET') return sendJson(response, 200, await admin.get(id));
    if (method === 'PATCH') return sendJson(response, 200, await admin.update(id, await jsonBody(context, request)));
    if (method === 'DELETE') return sendJson(response, 200, await admin.revoke(id));
    throw allow(['GET', 'PATCH', 'DELETE']);
  }
  if (action === 'rotate' || action === 'revoke') {
    if (method !== 'POST') throw allow(['POST']);
    request.resume();
    return sendJson(response, 200, action === 'rotate' ? await admin.rotate(id) : await admin.revoke(id));
  }
  if (action === 'credits') {
    if (method === 'GET') {
      const params = query(request);
      const history = await admin.creditHistory(id, {
        ...optional('limit', positiveInteger(params, 'limit')),
        ...optional('beforeId', positiveInteger(params, 'before')),
      });
      return sendJson(response, 200, { object: 'list', data: history });
    }
    if (method === 'POST') return sendJson(response, 200, await admin.addCredits(id, await jsonBody(context, request)));
    if (method === 'PUT') return sendJson(response, 200, await admin.setCredits(id, await jsonBody(context, request)));
    throw allow(['GET', 'POST', 'PUT']);
  }
  throw new NotFoundError({ message: `Unknown path ${path}` });
}
