/**
 * LlamaGate's MCP management API under `/v1/mcp/*` (snake_case JSON, the same auth as `/v1`): servers, their
 * health (a live check on request), tools, resources, prompts, direct execution with allow/deny applied, a
 * refresh that rebuilds what the chat loop offers, and per-server call statistics. While MCP is disabled every
 * path answers 404 saying how to enable it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpConnection } from '../../mcp/mcp-connection.js';
import type { McpManager } from '../../mcp/mcp-manager.js';
import { formatDollars } from '../../pricing/money.js';
import { decodeUriComponentSafely } from '../../provider-utils/json-limits.js';
import { BadRequestError, McpError, NotFoundError } from '../../spec/errors.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import { parseJsonBody, readBody, sendJson } from '../http-io.js';
import type { Route } from '../route.js';

const PREFIX = '/v1/mcp/';

function requireMcp(context: GatewayContext): McpManager {
  const manager = context.mcp;
  if (manager === undefined || !manager.settings.enabled) {
    throw new NotFoundError({
      message:
        'MCP is disabled on this gateway. Enable it with MCP_ENABLED=true (or `mcp: { enabled: true }` in llamagate.yaml) and configure servers under `mcp.servers` or `mcpServers`.',
    });
  }
  return manager;
}

function summary(connection: McpConnection) {
  return {
    name: connection.name,
    transport: connection.config.transport,
    status: connection.status,
    health: connection.health(),
    tools: connection.tools.length,
    resources: connection.resources.length,
    prompts: connection.prompts.length,
  };
}

function toolView(manager: McpManager, connection: McpConnection, state: RequestState) {
  return connection.tools
    .filter((tool) => manager.refusal(connection.name, tool.name, keyGlobs(state)) === undefined)
    .map((tool) => ({
      name: tool.name,
      qualified_name: `mcp.${connection.name}.${tool.name}`,
      description: tool.description ?? null,
      input_schema: tool.inputSchema,
      annotations: tool.annotations ?? null,
    }));
}

/** The calling virtual key's MCP restriction globs (`mcp_tools`); undefined when it has none. */
function keyGlobs(state: RequestState): readonly string[] | undefined {
  return state.mcpTools ?? undefined;
}

async function readObject(request: IncomingMessage, context: GatewayContext): Promise<Record<string, unknown>> {
  const raw = await readBody(request, context.config.maxBodySize);
  if (raw.length === 0) return {};
  const body = parseJsonBody(raw);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequestError({ message: 'The request body must be a JSON object' });
  return body as Record<string, unknown>;
}

function optionalRecord(value: unknown, param: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw new BadRequestError({ message: `'${param}' must be an object`, param });
  return value as Record<string, unknown>;
}

async function execute(context: GatewayContext, manager: McpManager, request: IncomingMessage, state: RequestState) {
  const body = await readObject(request, context);
  if (typeof body.server !== 'string' || body.server === '')
    throw new BadRequestError({ message: "'server' must name an MCP server", param: 'server' });
  if (typeof body.tool !== 'string' || body.tool === '')
    throw new BadRequestError({ message: "'tool' must name a tool of that server", param: 'tool' });
  const globs = keyGlobs(state);
  const execution = await manager.execute(body.server, body.tool, optionalRecord(body.arguments, 'arguments'), {
    source: 'api',
    requestId: state.id,
    signal: state.signal,
    ...(state.keyId === undefined ? {} : { keyId: state.keyId }),
    ...(globs === undefined ? {} : { keyGlobs: globs }),
    ...(state.toolCharges === undefined ? {} : { charges: state.toolCharges }),
  });
  return {
    server: execution.server,
    tool: execution.tool,
    is_error: execution.isError,
    content: execution.result.content,
    structured_content: execution.result.structuredContent ?? null,
    text: execution.text,
    truncated: execution.truncated,
    duration_ms: Math.round(execution.durationMs),
  };
}

async function serverRoute(
  manager: McpManager,
  connection: McpConnection,
  rest: string[],
  method: string,
  request: IncomingMessage,
  context: GatewayContext,
  state: RequestState,
  query: URLSearchParams,
): Promise<unknown> {
  const [section, ...tail] = rest;
  const timeout = manager.settings.resourceFetchTimeout;
  if (method === 'GET' && section === undefined) {
    return { ...summary(connection), url: connection.config.url ?? null, command: connection.config.command ?? null };
  }
  if (method === 'GET' && section === 'health' && tail.length === 0) return connection.checkHealth();
  if (method === 'GET' && section === 'tools' && tail.length === 0) {
    const tools = toolView(manager, connection, state);
    return { server: connection.name, tools, count: tools.length };
  }
  if (method === 'GET' && section === 'resources') {
    const uri = tail.length > 0 ? decodeUriComponentSafely(tail.join('/'), 'uri') : query.get('uri');
    if (uri === null) {
      return {
        server: connection.name,
        resources: connection.resources,
        resource_templates: connection.resourceTemplates,
        count: connection.resources.length,
      };
    }
    try {
      const result = await connection.readResource(uri, {
        requestId: state.id,
        signal: state.signal,
        timeoutMs: timeout,
      });
      return { server: connection.name, uri, contents: result.contents };
    } catch (error) {
      throw new McpError({
        code: 'mcp_resource_error',
        message: `Cannot read mcp://${connection.name}/${uri}: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  if (method === 'GET' && section === 'prompts' && tail.length === 0) {
    return { server: connection.name, prompts: connection.prompts, count: connection.prompts.length };
  }
  if (method === 'POST' && section === 'prompts' && tail.length > 0) {
    const prompt = decodeUriComponentSafely(tail.join('/'), 'prompt');
    const body = await readObject(request, context);
    const args = Object.fromEntries(
      Object.entries(optionalRecord(body.arguments, 'arguments')).map(([key, value]) => [
        key,
        typeof value === 'string' ? value : JSON.stringify(value),
      ]),
    );
    try {
      const result = await connection.getPrompt(prompt, args, { requestId: state.id, signal: state.signal });
      return { server: connection.name, prompt, description: result.description ?? null, messages: result.messages };
    } catch (error) {
      throw new McpError({
        code: 'mcp_server_unavailable',
        message: `The prompt "${prompt}" of MCP server "${connection.name}" failed: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
  }
  if (method === 'POST' && section === 'refresh' && tail.length === 0) {
    try {
      await connection.refresh();
    } catch (error) {
      throw new McpError({ message: error instanceof Error ? error.message : String(error) });
    }
    return { ...summary(connection), refreshed: true };
  }
  if (method === 'GET' && section === 'stats' && tail.length === 0) {
    // A virtual key sees only its own recent calls: other keys' request ids and timings are theirs.
    const own = state.role === 'key' ? state.keyId : undefined;
    const calls = manager
      .records()
      .filter((record) => record.server === connection.name && (own === undefined || record.key_id === own));
    const recent = calls
      .slice(-20)
      .reverse()
      .map(({ cost_micros, ...record }) => ({ ...record, cost: formatDollars(cost_micros, { minDecimals: 2 }) }));
    return { server: connection.name, ...connection.stats, recent_calls: recent };
  }
  return undefined;
}

async function handleMcpApi(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  const manager = requireMcp(context);
  const url = new URL(request.url ?? '/', 'http://gateway');
  const path = state.path.endsWith('/') ? state.path.slice(0, -1) : state.path;
  const parts = path.slice(PREFIX.length).split('/');
  const method = request.method === 'HEAD' ? 'GET' : (request.method ?? 'GET');
  let body: unknown;
  if (method === 'GET' && path === '/v1/mcp/servers') {
    const servers = manager.servers(keyGlobs(state)).map(summary);
    body = { servers, count: servers.length };
  } else if (method === 'GET' && path === '/v1/mcp/servers/health') {
    const servers = await Promise.all(
      manager
        .servers(keyGlobs(state))
        .map(async (connection) => ({ name: connection.name, ...(await connection.checkHealth()) })),
    );
    body = { servers, healthy: servers.every((server) => server.healthy), count: servers.length };
  } else if (method === 'POST' && path === '/v1/mcp/execute') {
    body = await execute(context, manager, request, state);
  } else if (parts[0] === 'servers' && parts[1] !== undefined && parts[1] !== '') {
    const connection = manager.requireServerFor(decodeUriComponentSafely(parts[1], 'server'), keyGlobs(state));
    body = await serverRoute(manager, connection, parts.slice(2), method, request, context, state, url.searchParams);
  }
  if (body === undefined) throw new NotFoundError({ message: `No MCP API route for ${method} ${path}` });
  sendJson(response, 200, body);
}

/** The `/v1/mcp/*` routes (authenticated like every `/v1` route). */
export const MCP_API_ROUTES: readonly Route[] = [
  { method: 'GET', path: '/v1/mcp/*', auth: 'key', handler: handleMcpApi },
  { method: 'POST', path: '/v1/mcp/*', auth: 'key', handler: handleMcpApi },
];
