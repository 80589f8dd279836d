/**
 * The MCP client manager: one {@link McpConnection} per configured server, the allowed tools across them,
 * tool execution with allow/deny (and a virtual key's restrictions) applied, per-call records, periodic
 * health checks, and reload (add, remove, restart changed servers; a replaced session is closed only once its
 * calls in flight have finished).
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { CallToolResult, Tool } from '@modelcontextprotocol/client';
import type { McpConfig, McpServerConfig } from '../config/mcp-schema.js';
import { matchesGlob } from '../pricing/glob.js';
import type { ToolCallCharges, ToolCallHold } from '../spec/chat-call.js';
import { McpError } from '../spec/errors.js';
import { isRequestTimeout } from './mcp-client-sdk.js';
import { type McpCallOptions, McpConnection, type McpConnectionSettings, McpUnavailable } from './mcp-connection.js';
import { qualifiedToolName } from './tool-names.js';
import { isServerAllowedForKey, isToolAllowedForKey, type ToolPolicy, toolRefusal } from './tool-policy.js';
import { capText, toolResultText } from './tool-result.js';

export interface McpToolEntry {
  server: string;
  tool: Tool;
  /** `mcp.<server>.<tool>` */
  qualifiedName: string;
}

export type ToolCallOutcome = 'ok' | 'tool_error' | 'timeout' | 'failed' | 'denied';

/** One tool call, as recorded for usage and audit. */
export interface ToolCallRecord {
  /** Unique per call. */
  id: string;
  /** When the call started. */
  time: string;
  request_id: string | null;
  key_id: string | null;
  server: string;
  tool: string;
  /** `chat` (the tool loop), `api` (`/v1/mcp/execute`) or `hub` (`/mcp`). */
  source: 'chat' | 'api' | 'hub';
  duration_ms: number;
  outcome: ToolCallOutcome;
  bytes: number;
  /** Micro-dollars: the tool's price when the call succeeded (charged to a billed key), else 0. */
  cost_micros: number;
}

export interface ExecuteOptions {
  requestId?: string;
  keyId?: string;
  /** The calling virtual key's MCP restriction globs; `undefined` when it has none. */
  keyGlobs?: readonly string[];
  signal?: AbortSignal;
  timeoutMs?: number;
  source?: ToolCallRecord['source'];
  /** Charges the tool's price (`toolPrices`) to the caller; unbilled callers pass none. */
  charges?: ToolCallCharges;
  /** Receives the server's `notifications/progress` for this call. */
  onProgress?: McpCallOptions['onProgress'];
}

export interface ToolExecution {
  server: string;
  tool: string;
  result: CallToolResult;
  /** The result as the model reads it, capped at MCP_MAX_TOOL_RESULT_SIZE. */
  text: string;
  isError: boolean;
  truncated: boolean;
  durationMs: number;
}

export interface McpManagerOptions extends Partial<Omit<McpConnectionSettings, 'onChange'>> {
  /** How many tool-call records are kept in memory (default 1000). */
  recordLimit?: number;
}

export interface ReloadSummary {
  added: string[];
  removed: string[];
  restarted: string[];
}

export class McpManager {
  private settingsValue: McpConfig;
  private readonly connections = new Map<string, McpConnection>();
  private readonly recordList: ToolCallRecord[] = [];
  private readonly recordListeners = new Set<(record: ToolCallRecord) => void>();
  private readonly changeListeners = new Set<() => void>();
  private healthTimer: NodeJS.Timeout | undefined;
  /** Bumped whenever a server's tools, resources or prompts change; what the loop offers is rebuilt from it. */
  version = 0;

  constructor(
    config: McpConfig,
    private readonly options: McpManagerOptions = {},
  ) {
    this.settingsValue = config;
    for (const server of McpManager.wanted(config)) this.connections.set(server.name, this.createConnection(server));
  }

  /** The servers to run: none while MCP is disabled. */
  private static wanted(config: McpConfig): McpServerConfig[] {
    return config.enabled ? config.servers : [];
  }

  get settings(): McpConfig {
    return this.settingsValue;
  }

  get policy(): ToolPolicy {
    return { allow: this.settingsValue.allowTools, deny: this.settingsValue.denyTools };
  }

  private createConnection(server: McpServerConfig): McpConnection {
    return new McpConnection(server, {
      ...this.options,
      defaultToolTimeoutMs: this.settingsValue.defaultToolTimeout,
      onChange: () => this.changed(),
    });
  }

  private changed(): void {
    this.version += 1;
    for (const listener of this.changeListeners) listener();
  }

  /** Called after any server's lists changed (the `/mcp` hub tells its clients). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Connects every enabled server in the background and starts the health checks. */
  start(): void {
    for (const connection of this.connections.values()) connection.start();
    this.scheduleHealthChecks();
  }

  private scheduleHealthChecks(): void {
    if (this.healthTimer !== undefined) clearInterval(this.healthTimer);
    this.healthTimer = setInterval(() => {
      for (const connection of this.connections.values()) void connection.checkHealth();
    }, this.settingsValue.healthCheckInterval);
    this.healthTimer.unref();
  }

  /** Waits until every enabled server connected or `timeoutMs` passed. */
  async waitReady(timeoutMs: number): Promise<void> {
    await Promise.all([...this.connections.values()].map((connection) => connection.waitReady(timeoutMs)));
  }

  /** Every server, or those a key's MCP restriction reaches. */
  servers(keyGlobs?: readonly string[]): McpConnection[] {
    const all = [...this.connections.values()];
    return keyGlobs === undefined ? all : all.filter((connection) => isServerAllowedForKey(keyGlobs, connection.name));
  }

  server(name: string): McpConnection | undefined {
    return this.connections.get(name);
  }

  /** The server or a 404 naming it. */
  requireServer(name: string): McpConnection {
    const connection = this.connections.get(name);
    if (connection === undefined) {
      throw new McpError({ code: 'mcp_server_not_found', message: `No MCP server is named "${name}"` });
    }
    return connection;
  }

  /**
   * The server for a caller whose key may reach it (its resources and prompts): a 404 for an unknown name, a
   * 403 when the key's MCP restriction names none of its tools.
   */
  requireServerFor(name: string, keyGlobs: readonly string[] | undefined): McpConnection {
    const connection = this.requireServer(name);
    if (!isServerAllowedForKey(keyGlobs, name)) {
      throw new McpError({
        code: 'mcp_tool_not_allowed',
        message: `The MCP server "${name}" is not allowed for this API key`,
      });
    }
    return connection;
  }

  /** Why a tool is refused to this caller (allow/deny, then the key's restrictions), or undefined. */
  refusal(server: string, tool: string, keyGlobs?: readonly string[]): string | undefined {
    return (
      toolRefusal(this.policy, server, tool) ??
      (isToolAllowedForKey(keyGlobs, server, tool)
        ? undefined
        : `the tool mcp.${server}.${tool} is not allowed for this API key`)
    );
  }

  /** Every tool of every connected server that this caller may use. */
  allowedTools(keyGlobs?: readonly string[]): McpToolEntry[] {
    const entries: McpToolEntry[] = [];
    for (const connection of this.connections.values()) {
      if (connection.status !== 'connected') continue;
      for (const tool of connection.tools) {
        if (this.refusal(connection.name, tool.name, keyGlobs) === undefined) {
          entries.push({ server: connection.name, tool, qualifiedName: qualifiedToolName(connection.name, tool.name) });
        }
      }
    }
    return entries;
  }

  /**
   * Runs one tool. Tool-level failures (`isError`) are returned; an unknown server or tool, a refused tool, a
   * timeout or a dropped server throw an {@link McpError} (the loop hands its message to the model).
   */
  async execute(
    server: string,
    tool: string,
    args: Record<string, unknown>,
    options: ExecuteOptions = {},
  ): Promise<ToolExecution> {
    const started = performance.now();
    const startedAt = new Date().toISOString();
    const record = (outcome: ToolCallOutcome, bytes: number, cost = 0) =>
      this.record({
        id: randomUUID(),
        time: startedAt,
        request_id: options.requestId ?? null,
        key_id: options.keyId ?? null,
        server,
        tool,
        source: options.source ?? 'api',
        duration_ms: Math.round(performance.now() - started),
        outcome,
        bytes,
        cost_micros: cost,
      });
    const connection = this.requireServer(server);
    const refusal = this.refusal(server, tool, options.keyGlobs);
    if (refusal !== undefined) {
      record('denied', 0);
      throw new McpError({ code: 'mcp_tool_not_allowed', message: `Refused: ${refusal}` });
    }
    if (connection.status === 'connected' && !connection.tools.some((entry) => entry.name === tool)) {
      record('failed', 0);
      throw new McpError({ code: 'mcp_tool_not_found', message: `The MCP server "${server}" has no tool "${tool}"` });
    }
    const price = this.toolPrice(server, tool);
    let hold: ToolCallHold | undefined;
    if (price > 0 && options.charges !== undefined) {
      try {
        hold = await options.charges.hold(`mcp.${server}.${tool}`, price);
      } catch (error) {
        record('denied', 0);
        throw error;
      }
    }
    try {
      const result = await connection.callTool(tool, args, options);
      const capped = capText(toolResultText(result), this.settingsValue.maxToolResultSize);
      const isError = result.isError === true;
      const durationMs = performance.now() - started;
      connection.recordCall(durationMs, isError ? 'error' : 'ok', capped.bytes);
      // Only a call that did its work is charged; a tool-level error costs nothing, like a failed request.
      const cost = isError ? 0 : price;
      await hold?.settle(cost);
      record(isError ? 'tool_error' : 'ok', capped.bytes, cost);
      return { server, tool, result, text: capped.text, isError, truncated: capped.truncated, durationMs };
    } catch (error) {
      await hold?.settle(0);
      const durationMs = performance.now() - started;
      const timedOut = isRequestTimeout(error);
      connection.recordCall(durationMs, timedOut ? 'timeout' : 'error', 0);
      record(timedOut ? 'timeout' : 'failed', 0);
      if (timedOut) {
        const limit = options.timeoutMs ?? connection.config.timeout ?? this.settingsValue.defaultToolTimeout;
        throw new McpError({
          code: 'mcp_tool_timeout',
          message: `The tool mcp.${server}.${tool} did not answer within ${limit / 1000}s (MCP_DEFAULT_TOOL_TIMEOUT or the server's timeout)`,
          cause: error,
        });
      }
      if (error instanceof McpUnavailable) {
        throw new McpError({ code: 'mcp_server_unavailable', message: error.message, cause: error });
      }
      throw new McpError({
        code: 'mcp_server_unavailable',
        message: `The tool mcp.${server}.${tool} failed: ${error instanceof Error ? error.message : String(error)}`,
        cause: error,
      });
    }
  }

  /** A tool's price per successful call in micro-dollars: its exact name, else the first matching glob, else 0. */
  toolPrice(server: string, tool: string): number {
    const prices = this.connections.get(server)?.config.toolPrices ?? {};
    if (Object.hasOwn(prices, tool)) return prices[tool] ?? 0;
    for (const [pattern, price] of Object.entries(prices)) if (matchesGlob(pattern, tool)) return price;
    return 0;
  }

  private record(entry: ToolCallRecord): void {
    this.recordList.push(entry);
    if (this.recordList.length > (this.options.recordLimit ?? 1000)) this.recordList.shift();
    for (const listener of this.recordListeners) listener(entry);
  }

  /** The most recent tool-call records, oldest first. */
  records(): readonly ToolCallRecord[] {
    return this.recordList;
  }

  onRecord(listener: (record: ToolCallRecord) => void): () => void {
    this.recordListeners.add(listener);
    return () => this.recordListeners.delete(listener);
  }

  /**
   * Applies a new `mcp:` configuration: new servers start, removed ones close, changed ones restart (the new
   * session is started first and the old one closes once its calls in flight finish). Limits apply at once.
   */
  async reload(config: McpConfig, drainMs = 30_000): Promise<ReloadSummary> {
    const summary: ReloadSummary = { added: [], removed: [], restarted: [] };
    const previousTimeout = this.settingsValue.defaultToolTimeout;
    this.settingsValue = config;
    const closing: Promise<void>[] = [];
    const wanted = new Map(McpManager.wanted(config).map((server) => [server.name, server]));
    for (const [name, connection] of this.connections) {
      if (!wanted.has(name)) {
        this.connections.delete(name);
        summary.removed.push(name);
        closing.push(connection.close(drainMs));
      }
    }
    for (const [name, server] of wanted) {
      const existing = this.connections.get(name);
      const sameTimeout = previousTimeout === config.defaultToolTimeout;
      if (existing !== undefined && isDeepStrictEqual(existing.config, server) && sameTimeout) continue;
      const connection = this.createConnection(server);
      this.connections.set(name, connection);
      connection.start();
      if (existing === undefined) summary.added.push(name);
      else {
        summary.restarted.push(name);
        closing.push(existing.close(drainMs));
      }
    }
    this.scheduleHealthChecks();
    this.changed();
    await Promise.all(closing);
    return summary;
  }

  /** Closes every session and child process (waiting up to `drainMs` for calls in flight). */
  async close(drainMs = 0): Promise<void> {
    if (this.healthTimer !== undefined) clearInterval(this.healthTimer);
    await Promise.all([...this.connections.values()].map((connection) => connection.close(drainMs)));
  }
}
