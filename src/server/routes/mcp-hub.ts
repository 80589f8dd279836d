/** `/mcp`: the gateway as one Streamable HTTP MCP server over every configured server, for gateway keys. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NotFoundError } from '../../spec/errors.js';
import type { GatewayContext, RequestState } from '../gateway-context.js';
import type { Route } from '../route.js';

async function handleMcpHub(
  context: GatewayContext,
  request: IncomingMessage,
  response: ServerResponse,
  state: RequestState,
): Promise<void> {
  const manager = context.mcp;
  if (manager === undefined || !manager.settings.enabled) {
    throw new NotFoundError({
      message:
        'The /mcp hub needs MCP: set MCP_ENABLED=true (or `mcp: { enabled: true }` in llamagate.yaml) and configure servers.',
    });
  }
  // The MCP server SDK loads with the first hub request, not with every gateway.
  const { hubFor } = await import('../../mcp/mcp-hub.js');
  await hubFor(manager).handle(request, response, {
    requestId: state.id,
    ...(state.keyId === undefined ? {} : { keyId: state.keyId }),
    ...(state.mcpTools == null ? {} : { keyGlobs: state.mcpTools }),
    ...(state.toolCharges === undefined ? {} : { charges: state.toolCharges }),
  });
}

export const MCP_HUB_ROUTES: readonly Route[] = [
  { method: 'POST', path: '/mcp', auth: 'key', handler: handleMcpHub },
  { method: 'GET', path: '/mcp', auth: 'key', handler: handleMcpHub },
  { method: 'DELETE', path: '/mcp', auth: 'key', handler: handleMcpHub },
];
