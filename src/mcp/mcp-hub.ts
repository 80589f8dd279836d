/**
 * The gateway as one MCP server (`/mcp`, Streamable HTTP, both the 2025-11-25 and the stateless 2026-07-28
 * protocol): the tools, resources and prompts of every connected server, namespaced (`<server>__<tool>`,
 * `mcp://<server>/<uri>`), with allow/deny and the caller's key restrictions applied and every tool call
 * recorded like the loop's. The gateway authenticates the caller before this handler runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { type AuthInfo, type CallToolResult, createMcpHandler, Server } from '@modelcontextprotocol/server';
import type { ToolCallCharges } from '../spec/chat-call.js';
import type { McpManager } from './mcp-manager.js';
import { ToolNameMap } from './tool-names.js';

export interface HubCaller {
  requestId: string;
  keyId?: string;
  keyGlobs?: readonly string[];
  charges?: ToolCallCharges;
}

const HUB_PREFIX = '';

function callerOf(auth: AuthInfo | undefined): HubCaller {
  const extra = (auth?.extra ?? {}) as { caller?: HubCaller };
  return extra.caller ?? { requestId: 'unknown' };
}

function parseResourceUri(uri: string): { server: string; uri: string } | undefined {
  const match = /^mcp:\/\/([A-Za-z0-9_-]+)\/(.+)$/.exec(uri);
  return match === null ? undefined : { server: match[1] ?? '', uri: match[2] ?? '' };
}

/** When the hub's client asked for progress, the upstream server's notifications are passed on to it. */
function progressRelay(
  token: string | number | undefined,
  notify: (notification: { method: string; params?: Record<string, unknown> }) => Promise<void>,
): { onProgress?: (step: { progress: number; total?: number; message?: string }) => void } {
  if (token === undefined) return {};
  return {
    onProgress: (step) => {
      const params = {
        progressToken: token,
        progress: step.progress,
        ...(step.total === undefined ? {} : { total: step.total }),
        ...(step.message === undefined ? {} : { message: step.message }),
      };
      notify({ method: 'notifications/progress', params }).catch(() => {});
    },
  };
}

function buildServer(manager: McpManager, caller: HubCaller): Server {
  const server = new Server(
    { name: 'llamagate', version: '0.1.0' },
    {
      capabilities: { tools: {}, resources: {}, prompts: {} },
      instructions: 'LlamaGate: every configured MCP server in one.',
    },
  );
  const allowed = () => manager.allowedTools(caller.keyGlobs);
  const names = () =>
    new ToolNameMap(
      allowed().map((entry) => ({ server: entry.server, tool: entry.tool.name })),
      HUB_PREFIX,
    );
  server.setRequestHandler('tools/list', async () => {
    const map = names();
    return {
      tools: allowed().map((entry) => ({
        ...entry.tool,
        name: map.safeName(entry.server, entry.tool.name) ?? entry.tool.name,
        description: `${entry.tool.description ?? ''} (${entry.qualifiedName})`.trim(),
      })),
    };
  });
  server.setRequestHandler('tools/call', async (request, context): Promise<CallToolResult> => {
    const target = names().resolve(request.params.name);
    if (target === undefined) {
      return {
        isError: true,
        content: [{ type: 'text', text: `No tool named ${request.params.name} is available here` }],
      };
    }
    try {
      const execution = await manager.execute(target.server, target.tool, request.params.arguments ?? {}, {
        source: 'hub',
        requestId: caller.requestId,
        ...(caller.keyId === undefined ? {} : { keyId: caller.keyId }),
        ...(caller.keyGlobs === undefined ? {} : { keyGlobs: caller.keyGlobs }),
        ...(caller.charges === undefined ? {} : { charges: caller.charges }),
        ...progressRelay(context.mcpReq._meta?.progressToken, context.mcpReq.notify),
      });
      return execution.result;
    } catch (error) {
      return {
        isError: true,
        content: [{ type: 'text', text: error instanceof Error ? error.message : String(error) }],
      };
    }
  });
  const reachable = (name: string) => manager.requireServerFor(name, caller.keyGlobs);
  server.setRequestHandler('resources/list', async () => ({
    resources: manager
      .servers(caller.keyGlobs)
      .filter((connection) => connection.status === 'connected')
      .flatMap((connection) =>
        connection.resources.map((resource) => ({
          ...resource,
          uri: `mcp://${connection.name}/${resource.uri}`,
          name: `${connection.name}__${resource.name}`,
        })),
      ),
  }));
  server.setRequestHandler('resources/read', async (request) => {
    const parsed = parseResourceUri(request.params.uri);
    if (parsed === undefined) throw new Error(`Unknown resource ${request.params.uri}: use mcp://<server>/<uri>`);
    const connection = reachable(parsed.server);
    const result = await connection.readResource(parsed.uri, {
      requestId: caller.requestId,
      timeoutMs: manager.settings.resourceFetchTimeout,
    });
    return {
      contents: result.contents.map((content) => ({ ...content, uri: `mcp://${parsed.server}/${content.uri}` })),
    };
  });
  server.setRequestHandler('prompts/list', async () => ({
    prompts: manager
      .servers(caller.keyGlobs)
      .filter((connection) => connection.status === 'connected')
      .flatMap((connection) =>
        connection.prompts.map((prompt) => ({ ...prompt, name: `${connection.name}__${prompt.name}` })),
      ),
  }));
  server.setRequestHandler('prompts/get', async (request) => {
    const cut = request.params.name.indexOf('__');
    if (cut <= 0) throw new Error(`Unknown prompt ${request.params.name}: use <server>__<prompt>`);
    const connection = reachable(request.params.name.slice(0, cut));
    return connection.getPrompt(request.params.name.slice(cut + 2), request.params.arguments ?? {}, {
      requestId: caller.requestId,
    });
  });
  return server;
}

export interface McpHub {
  /** Serves one authenticated HTTP request to `/mcp`. */
  handle(request: IncomingMessage, response: ServerResponse, caller: HubCaller): Promise<void>;
  close(): Promise<void>;
}

/** One hub per manager; each request gets a fresh server instance bound to its caller. */
export function createMcpHub(manager: McpManager): McpHub {
  const handler = createMcpHandler((context) => buildServer(manager, callerOf(context.authInfo)));
  const node = toNodeHandler(handler);
  return {
    handle: (request, response, caller) => {
      const authenticated = request as IncomingMessage & { auth?: AuthInfo };
      authenticated.auth = { token: '', clientId: caller.keyId ?? 'gateway', scopes: [], extra: { caller } };
      return node(authenticated, response);
    },
    close: () => handler.close(),
  };
}

const hubs = new WeakMap<McpManager, McpHub>();

/** The hub of a manager, created on first use. */
export function hubFor(manager: McpManager): McpHub {
  let hub = hubs.get(manager);
  if (hub === undefined) {
    hub = createMcpHub(manager);
    hubs.set(manager, hub);
  }
  return hub;
}
