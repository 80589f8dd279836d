/**
 * One configured MCP server: its client session (stdio, Streamable HTTP or legacy HTTP+SSE, with protocol
 * version negotiation), its listed tools/resources/prompts (refreshed on `list_changed`), background
 * reconnection with backoff, health and call statistics. Calls in flight are counted so a reload can close a
 * replaced session only after they finish.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type {
  CallToolResult,
  Client,
  GetPromptResult,
  PriorDiscovery,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplateType,
  Tool,
  Transport,
} from '@modelcontextprotocol/client';
import type { McpServerConfig } from '../config/mcp-schema.js';
import { type ClientSdk, loadClientSdk } from './mcp-client-sdk.js';

export type McpServerStatus = 'connecting' | 'connected' | 'reconnecting' | 'disabled' | 'closed';

export interface McpServerHealth {
  healthy: boolean;
  status: McpServerStatus;
  last_error: string | null;
  last_check: string | null;
  latency_ms: number | null;
  consecutive_failures: number;
  protocol_version: string | null;
}

export interface McpCallStats {
  calls: number;
  errors: number;
  timeouts: number;
  total_duration_ms: number;
  bytes: number;
  last_call: string | null;
}

export interface McpCallOptions {
  requestId?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Asks the server for `notifications/progress` (a progress token) and receives them. */
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
}

export interface McpConnectionSettings {
  defaultToolTimeoutMs: number;
  /** First reconnect delay; doubles per failure up to `reconnectMaxMs`. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** Timeout of the connect handshake and the list calls. */
  connectTimeoutMs?: number;
  /** Called when the tools, resources or prompts changed (a refresh, a reconnect, a `list_changed`). */
  onChange?: () => void;
  log?: (level: 'info' | 'warn', message: string) => void;
}

/** The `_meta` key that carries the gateway's request id on every MCP call. */
export const REQUEST_ID_META_KEY = 'io.llamagate/request-id';
export const REQUEST_ID_HEADER = 'x-request-id';

const requestIdScope = new AsyncLocalStorage<string>();

/** A fetch that adds the current call's request id header (HTTP and SSE transports). */
function fetchWithRequestId(headers: Record<string, string>): typeof fetch {
  return (input, init) => {
    const merged = new Headers(init?.headers);
    for (const [name, value] of Object.entries(headers)) if (!merged.has(name)) merged.set(name, value);
    const requestId = requestIdScope.getStore();
    if (requestId !== undefined) merged.set(REQUEST_ID_HEADER, requestId);
    return fetch(input, { ...init, headers: merged });
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class McpConnection {
  readonly name: string;
  readonly config: McpServerConfig;
  status: McpServerStatus;
  tools: Tool[] = [];
  resources: Resource[] = [];
  resourceTemplates: ResourceTemplateType[] = [];
  prompts: Prompt[] = [];
  readonly stats: McpCallStats = { calls: 0, errors: 0, timeouts: 0, total_duration_ms: 0, bytes: 0, last_call: null };
  private client: Client | undefined;
  private transport: Transport | undefined;
  private lastError: string | null = null;
  private lastCheck: string | null = null;
  private latencyMs: number | null = null;
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  private closing = false;
  private inFlight = 0;
  private drained: (() => void) | undefined;
  private readyWaiters: (() => void)[] = [];
  private stderrTail = '';
  private prior: PriorDiscovery | undefined;

  constructor(
    config: McpServerConfig,
    private readonly settings: McpConnectionSettings,
  ) {
    this.name = config.name;
    this.config = config;
    this.status = config.enabled ? 'connecting' : 'disabled';
  }

  /** Connects in the background; failures are retried with backoff. */
  start(): void {
    if (!this.config.enabled || this.closing) return;
    void this.connect();
  }

  /** Resolves once the current connection attempt settled (connected or failed), or after `timeoutMs`. */
  waitReady(timeoutMs: number): Promise<void> {
    if (this.status !== 'connecting' && this.status !== 'reconnecting') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.readyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  health(): McpServerHealth {
    return {
      healthy: this.status === 'connected',
      status: this.status,
      last_error: this.lastError,
      last_check: this.lastCheck,
      latency_ms: this.latencyMs,
      consecutive_failures: this.failures,
      protocol_version: this.client?.getNegotiatedProtocolVersion() ?? null,
    };
  }

  /** A live check: `ping` with the connect timeout. */
  async checkHealth(): Promise<McpServerHealth> {
    const client = this.client;
    this.lastCheck = new Date().toISOString();
    if (client === undefined || this.status !== 'connected') return this.health();
    const started = performance.now();
    try {
      await client.ping({ timeout: this.settings.connectTimeoutMs ?? 10_000 });
      this.latencyMs = Math.round(performance.now() - started);
    } catch (error) {
      this.lastError = `ping failed: ${errorText(error)}`;
      this.handleDrop();
    }
    return this.health();
  }

  private createTransport(sdk: ClientSdk): Transport {
    const config = this.config;
    if (config.transport === 'stdio') {
      const transport = new sdk.StdioClientTransport({
        command: config.command ?? '',
        args: config.args,
        env: { ...sdk.getDefaultEnvironment(), PATH: process.env.PATH ?? '', ...config.env },
        ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
        stderr: 'pipe',
      });
      transport.stderr?.on('data', (chunk: Buffer) => {
        this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
      });
      return transport;
    }
    const url = new URL(config.url ?? '');
    const fetchFunction = fetchWithRequestId(config.headers);
    if (config.transport === 'sse') return new sdk.SSEClientTransport(url, { fetch: fetchFunction });
    return new sdk.StreamableHTTPClientTransport(url, { fetch: fetchFunction });
  }

  private connect(): Promise<void> {
    if (this.connecting !== undefined) return this.connecting;
    this.connecting = (async () => {
      const changed = () => this.settings.onChange?.();
      const sdk = await loadClientSdk();
      const client = new sdk.Client(
        { name: 'llamagate', version: '0.1.0' },
        {
          versionNegotiation: { mode: this.config.transport === 'sse' ? 'legacy' : 'auto' },
          listChanged: {
            tools: {
              debounceMs: 0,
              onChanged: (error, tools) => this.onListChanged(error, () => (this.tools = tools ?? [])),
            },
            resources: {
              debounceMs: 0,
              onChanged: (error, resources) => this.onListChanged(error, () => (this.resources = resources ?? [])),
            },
            prompts: {
              debounceMs: 0,
              onChanged: (error, prompts) => this.onListChanged(error, () => (this.prompts = prompts ?? [])),
            },
          },
        },
      );
      const transport = this.createTransport(sdk);
      try {
        const timeout = this.settings.connectTimeoutMs ?? 30_000;
        // A reconnect reuses the era verdict of the first connect, which spares stdio a probe process.
        await client.connect(transport, this.prior === undefined ? { timeout } : { timeout, prior: this.prior });
        const discover = client.getDiscoverResult();
        this.prior = discover === undefined ? { kind: 'legacy' } : { kind: 'modern', discover };
        if (this.closing) {
          await client.close().catch(() => undefined);
          return;
        }
        this.client = client;
        this.transport = transport;
        client.onclose = () => {
          if (this.client === client) this.handleDrop();
        };
        await this.listEverything(client);
        this.status = 'connected';
        this.failures = 0;
        this.lastError = null;
        this.settings.log?.('info', `MCP server "${this.name}" connected (${client.getNegotiatedProtocolVersion()})`);
        changed();
        for (const waiter of this.readyWaiters.splice(0)) waiter();
      } catch (error) {
        const stderr = this.stderrTail.trim().split('\n').at(-1);
        this.lastError = `${errorText(error)}${stderr ? ` (stderr: ${stderr})` : ''}`;
        this.failures += 1;
        this.client = undefined;
        await client.close().catch(() => undefined);
        if (!this.closing) {
          this.settings.log?.('warn', `MCP server "${this.name}" failed to connect: ${this.lastError}`);
          this.scheduleReconnect();
        }
        for (const waiter of this.readyWaiters.splice(0)) waiter();
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  private onListChanged(error: Error | null, apply: () => void): void {
    if (error !== null) {
      this.lastError = `list refresh failed: ${error.message}`;
      return;
    }
    apply();
    this.settings.onChange?.();
  }

  private async listEverything(client: Client): Promise<void> {
    const capabilities = client.getServerCapabilities() ?? {};
    const timeout = this.settings.connectTimeoutMs ?? 30_000;
    const options = { timeout, cacheMode: 'refresh' as const };
    const [tools, resources, templates, prompts] = await Promise.all([
      capabilities.tools ? client.listTools(undefined, options) : { tools: [] },
      capabilities.resources ? client.listResources(undefined, options) : { resources: [] },
      capabilities.resources
        ? client.listResourceTemplates(undefined, options).catch(() => ({ resourceTemplates: [] }))
        : { resourceTemplates: [] },
      capabilities.prompts ? client.listPrompts(undefined, options) : { prompts: [] },
    ]);
    this.tools = tools.tools;
    this.resources = resources.resources;
    this.resourceTemplates = templates.resourceTemplates;
    this.prompts = prompts.prompts;
  }

  /** Re-lists tools, resources and prompts. */
  async refresh(): Promise<void> {
    const client = this.requireClient();
    await this.listEverything(client);
    this.settings.onChange?.();
  }

  private handleDrop(): void {
    if (this.closing) return;
    const client = this.client;
    this.client = undefined;
    this.transport = undefined;
    this.status = 'reconnecting';
    this.failures += 1;
    this.lastError ??= 'connection closed';
    this.settings.log?.('warn', `MCP server "${this.name}" disconnected; reconnecting`);
    void client?.close().catch(() => undefined);
    this.settings.onChange?.();
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closing || this.reconnectTimer !== undefined) return;
    this.status = this.status === 'connecting' && this.failures <= 1 ? 'connecting' : 'reconnecting';
    const base = this.settings.reconnectBaseMs ?? 1000;
    const delay = Math.min(base * 2 ** Math.max(0, this.failures - 1), this.settings.reconnectMaxMs ?? 60_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private requireClient(): Client {
    if (this.client === undefined || this.status !== 'connected') {
      throw new McpUnavailable(
        `MCP server "${this.name}" is ${this.status}${this.lastError ? ` (${this.lastError})` : ''}`,
      );
    }
    return this.client;
  }

  private async track<T>(requestId: string | undefined, work: (client: Client) => Promise<T>): Promise<T> {
    const client = this.requireClient();
    this.inFlight += 1;
    try {
      return requestId === undefined ? await work(client) : await requestIdScope.run(requestId, () => work(client));
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.drained?.();
    }
  }

  private static meta(requestId: string | undefined): Record<string, string> | undefined {
    return requestId === undefined ? undefined : { [REQUEST_ID_META_KEY]: requestId };
  }

  async callTool(tool: string, args: Record<string, unknown>, options: McpCallOptions = {}): Promise<CallToolResult> {
    const meta = McpConnection.meta(options.requestId);
    return this.track(
      options.requestId,
      (client) =>
        client.callTool(
          { name: tool, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) },
          {
            timeout: options.timeoutMs ?? this.config.timeout ?? this.settings.defaultToolTimeoutMs,
            ...(options.signal === undefined ? {} : { signal: options.signal }),
            ...(options.onProgress === undefined ? {} : { onprogress: options.onProgress }),
          },
        ) as Promise<CallToolResult>,
    );
  }

  async readResource(uri: string, options: McpCallOptions = {}): Promise<ReadResourceResult> {
    const meta = McpConnection.meta(options.requestId);
    return this.track(options.requestId, (client) =>
      client.readResource(
        { uri, ...(meta === undefined ? {} : { _meta: meta }) },
        {
          cacheMode: 'bypass',
          timeout: options.timeoutMs ?? this.settings.defaultToolTimeoutMs,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        },
      ),
    );
  }

  async getPrompt(
    prompt: string,
    args: Record<string, string>,
    options: McpCallOptions = {},
  ): Promise<GetPromptResult> {
    const meta = McpConnection.meta(options.requestId);
    return this.track(options.requestId, (client) =>
      client.getPrompt(
        { name: prompt, arguments: args, ...(meta === undefined ? {} : { _meta: meta }) },
        {
          timeout: options.timeoutMs ?? this.settings.defaultToolTimeoutMs,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        },
      ),
    );
  }

  recordCall(durationMs: number, outcome: 'ok' | 'error' | 'timeout', bytes: number): void {
    this.stats.calls += 1;
    if (outcome === 'error') this.stats.errors += 1;
    if (outcome === 'timeout') this.stats.timeouts += 1;
    this.stats.total_duration_ms += Math.round(durationMs);
    this.stats.bytes += bytes;
    this.stats.last_call = new Date().toISOString();
  }

  /** Stops reconnecting, waits up to `drainMs` for calls in flight, then closes the session (and child process). */
  async close(drainMs = 0): Promise<void> {
    this.closing = true;
    this.status = 'closed';
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    for (const waiter of this.readyWaiters.splice(0)) waiter();
    if (this.inFlight > 0 && drainMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = undefined;
    this.transport = undefined;
    await client?.close().catch(() => undefined);
  }

  /** The child's pid (stdio), for tests and diagnostics. */
  get pid(): number | null {
    const transport = this.transport as { pid?: number | null } | undefined;
    return this.config.transport === 'stdio' ? (transport?.pid ?? null) : null;
  }
}

/** The server is not connected (starting, reconnecting, closed). */
export class McpUnavailable extends Error {
  override readonly name = 'McpUnavailable';
}
