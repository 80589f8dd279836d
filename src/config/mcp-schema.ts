/**
 * Config schema of the MCP client side: LlamaGate's `MCP_*` settings, the `mcp: { servers: [...] }` list as
 * LlamaGate documents it, and the `mcpServers` map of Claude Desktop / Cursor (accepted under `mcp:` and at the
 * top level, so an existing config can be pasted). `${VAR}` in YAML is interpolated by the loader.
 */
import { z } from 'zod';
import { assertNonNegativeMicros, parseDollars } from '../pricing/money.js';
import { booleanLike, byteSize, duration, numberLike } from './schema-helpers.js';

const serverName = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^[A-Za-z0-9_-]+$/,
    'MCP server names use letters, digits, "_" and "-" (a dot would make tool names ambiguous)',
  );

const stringMap = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

/** Globs written as a list or as one comma- or space-separated string (`MCP_ALLOW_TOOLS=fs.* memory.read_*`). */
const globList = (name: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((value) => (Array.isArray(value) ? value : value.split(/[\s,]+/)).map((item) => item.trim()))
    .transform((items) => items.filter((item) => item !== ''))
    .describe(name);

const positiveInteger = (name: string) =>
  numberLike(name).pipe(z.number().int(`${name} must be an integer`).positive(`${name} must be greater than 0`));

const toolPrice = z.union([z.string(), z.number()]).transform((value, context) => {
  try {
    return assertNonNegativeMicros(parseDollars(value), 'a tool price');
  } catch (error) {
    context.addIssue({
      code: 'custom',
      message: `mcp.servers[].toolPrices takes dollar amounts ("0.01"): ${(error as Error).message}`,
    });
    return z.NEVER;
  }
});

export const mcpServerSchema = z
  .strictObject({
    name: serverName,
    /** Inferred when absent: `stdio` with a command, `http` with a url. */
    transport: z.enum(['stdio', 'http', 'sse']).optional(),
    command: z.string().min(1).optional(),
    args: z.array(z.union([z.string(), z.number()]).transform(String)).default([]),
    /** Set on top of the gateway's PATH (and the SDK's safe default variables). */
    env: stringMap.default({}),
    cwd: z.string().optional(),
    url: z.url().optional(),
    headers: stringMap.default({}),
    /** Per-server tool-call timeout; defaults to MCP_DEFAULT_TOOL_TIMEOUT. */
    timeout: duration('mcp.servers[].timeout').optional(),
    enabled: booleanLike('mcp.servers[].enabled').default(true),
    /** Dollars per successful call by tool name or glob (`{ search: "0.01", "*": "0.001" }`), in micro-dollars. */
    toolPrices: z.record(z.string().min(1), toolPrice).default({}),
  })
  .transform((server, context) => {
    const transport = server.transport ?? (server.url !== undefined ? 'http' : 'stdio');
    if (transport === 'stdio' && server.command === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['command'],
        message: `MCP server "${server.name}" (stdio) needs a command`,
      });
    }
    if (transport !== 'stdio' && server.url === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['url'],
        message: `MCP server "${server.name}" (${transport}) needs a url`,
      });
    }
    return { ...server, transport };
  });

export type McpServerConfig = z.infer<typeof mcpServerSchema>;

/** Claude Desktop / Cursor shape: `{ "<name>": { command, args, env } | { url, headers } }`. */
export const mcpServersMapSchema = z.record(
  z.string(),
  z.looseObject({
    command: z.string().optional(),
    args: z.array(z.unknown()).optional(),
    env: z.record(z.string(), z.unknown()).optional(),
    url: z.string().optional(),
    headers: z.record(z.string(), z.unknown()).optional(),
    /** Cursor and VS Code write `type: "stdio" | "http" | "sse" | "streamable-http"`. */
    type: z.string().optional(),
    transport: z.string().optional(),
    disabled: z.boolean().optional(),
    toolPrices: z.record(z.string(), z.unknown()).optional(),
  }),
);

function fromServersMap(map: z.infer<typeof mcpServersMapSchema>): unknown[] {
  return Object.entries(map).map(([name, entry]) => {
    const declared = entry.transport ?? entry.type;
    const transport = declared === 'streamable-http' || declared === 'streamableHttp' ? 'http' : declared;
    const { type: _type, disabled, ...rest } = entry;
    return { ...rest, name, ...(transport === undefined ? {} : { transport }), enabled: disabled !== true };
  });
}

export const mcpSchema = z
  .object({
    /** MCP_ENABLED: connect to the configured servers and run their tools for the model. */
    enabled: booleanLike('MCP_ENABLED').default(false),
    maxToolRounds: positiveInteger('MCP_MAX_TOOL_ROUNDS').default(10),
    maxToolCallsPerRound: positiveInteger('MCP_MAX_TOOL_CALLS_PER_ROUND').default(10),
    maxTotalToolCalls: positiveInteger('MCP_MAX_TOTAL_TOOL_CALLS').default(50),
    defaultToolTimeout: duration('MCP_DEFAULT_TOOL_TIMEOUT').default(30_000),
    maxToolResultSize: byteSize('MCP_MAX_TOOL_RESULT_SIZE').default(1_048_576),
    allowTools: globList('MCP_ALLOW_TOOLS').default([]),
    denyTools: globList('MCP_DENY_TOOLS').default([]),
    healthCheckInterval: duration('MCP_HEALTH_CHECK_INTERVAL').default(60_000),
    resourceFetchTimeout: duration('MCP_RESOURCE_FETCH_TIMEOUT').default(30_000),
    /** `all`: every allowed tool is offered on chat requests; `requested`: only the tools a request names. */
    exposeTools: z.enum(['all', 'requested']).default('all'),
    /**
     * Streams show the loop's tool calls (started, the server's progress notifications, ended) as an extension
     * field; a request's `X-LlamaGate-Tool-Progress: true|false` header overrides it.
     */
    toolProgress: booleanLike('MCP_TOOL_PROGRESS').default(false),
    /** A list of servers, or a map keyed by server name. */
    servers: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).default([]),
    mcpServers: mcpServersMapSchema.optional(),
  })
  .prefault({})
  .transform((mcp, context) => {
    const listed = Array.isArray(mcp.servers)
      ? mcp.servers
      : Object.entries(mcp.servers).map(([name, entry]) =>
          typeof entry === 'object' && entry !== null ? { name, ...entry } : entry,
        );
    const raw = [...listed, ...(mcp.mcpServers === undefined ? [] : fromServersMap(mcp.mcpServers))];
    const servers: McpServerConfig[] = [];
    const names = new Set<string>();
    raw.forEach((entry, index) => {
      const parsed = mcpServerSchema.safeParse(entry);
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          context.addIssue({ ...issue, path: ['servers', index, ...issue.path] } as z.core.$ZodRawIssue);
        return;
      }
      if (names.has(parsed.data.name)) {
        context.addIssue({
          code: 'custom',
          path: ['servers', index, 'name'],
          message: `the MCP server name "${parsed.data.name}" is used twice`,
        });
      }
      names.add(parsed.data.name);
      servers.push(parsed.data);
    });
    const { mcpServers: _map, ...settings } = mcp;
    return { ...settings, servers };
  });

export type McpConfig = z.infer<typeof mcpSchema>;

/** Folds a top-level `mcpServers` map (pasted from Claude Desktop or Cursor) into `mcp:`. */
export function withTopLevelMcpServers(raw: Record<string, unknown>): Record<string, unknown> {
  if (raw.mcpServers === undefined) return raw;
  const { mcpServers, ...rest } = raw;
  const mcp = typeof rest.mcp === 'object' && rest.mcp !== null ? (rest.mcp as Record<string, unknown>) : {};
  const existing =
    typeof mcp.mcpServers === 'object' && mcp.mcpServers !== null ? (mcp.mcpServers as Record<string, unknown>) : {};
  return { ...rest, mcp: { ...mcp, mcpServers: { ...(mcpServers as Record<string, unknown>), ...existing } } };
}

/** Environment variables of the MCP settings (merged into ENVIRONMENT_VARIABLES). */
export const MCP_ENVIRONMENT_VARIABLES: Readonly<Record<string, string>> = {
  MCP_ENABLED: 'mcp.enabled',
  MCP_MAX_TOOL_ROUNDS: 'mcp.maxToolRounds',
  MCP_MAX_TOOL_CALLS_PER_ROUND: 'mcp.maxToolCallsPerRound',
  MCP_MAX_TOTAL_TOOL_CALLS: 'mcp.maxTotalToolCalls',
  MCP_DEFAULT_TOOL_TIMEOUT: 'mcp.defaultToolTimeout',
  MCP_MAX_TOOL_RESULT_SIZE: 'mcp.maxToolResultSize',
  MCP_ALLOW_TOOLS: 'mcp.allowTools',
  MCP_DENY_TOOLS: 'mcp.denyTools',
  MCP_HEALTH_CHECK_INTERVAL: 'mcp.healthCheckInterval',
  MCP_RESOURCE_FETCH_TIMEOUT: 'mcp.resourceFetchTimeout',
  MCP_EXPOSE_TOOLS: 'mcp.exposeTools',
  MCP_TOOL_PROGRESS: 'mcp.toolProgress',
};
