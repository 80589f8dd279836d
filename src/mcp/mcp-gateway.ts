/**
 * How the gateway holds MCP: one manager per process, created with the first context and reconfigured on
 * every reload (servers added, removed, restarted; limits applied at once), and one tool-loop wrapper for it,
 * outermost among the chat wrappers so each round passes through the others. Each tool call is logged.
 */
import type { McpConfig } from '../config/mcp-schema.js';
import type { ChatCallWrapper } from '../spec/chat-call.js';
import { McpManager } from './mcp-manager.js';
import { createToolLoop } from './tool-loop.js';

/** The logger methods MCP uses (pino's shape). */
export interface McpLogger {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
}

export interface McpGatewayParts {
  manager: McpManager;
  /** The given wrappers with this manager's tool loop first (once). */
  withToolLoop(wrappers: readonly ChatCallWrapper[]): ChatCallWrapper[];
}

const loops = new WeakMap<McpManager, ChatCallWrapper>();

/** The tool loop of a manager: it passes every call through untouched while MCP is disabled. */
export function toolLoopFor(manager: McpManager): ChatCallWrapper {
  let loop = loops.get(manager);
  if (loop === undefined) {
    const inner = createToolLoop(manager);
    loop = (next, context) => (manager.settings.enabled ? inner(next, context) : next);
    loops.set(manager, loop);
  }
  return loop;
}

export function syncMcpManager(
  config: McpConfig,
  previous: McpManager | undefined,
  logger: McpLogger,
): McpGatewayParts {
  let manager = previous;
  if (manager === undefined) {
    manager = new McpManager(config, {
      log: (level, message) => logger[level]({ component: 'mcp' }, message),
    });
    manager.onRecord((record) => logger.info({ component: 'mcp', ...record }, 'mcp tool call'));
    manager.start();
  } else {
    manager.reload(config).then(
      (summary) => logger.info({ component: 'mcp', ...summary }, 'mcp servers reloaded'),
      (error: unknown) => logger.warn({ component: 'mcp', err: error }, 'mcp reload failed'),
    );
  }
  const loop = toolLoopFor(manager);
  return { manager, withToolLoop: (wrappers) => [loop, ...wrappers.filter((wrapper) => wrapper !== loop)] };
}
