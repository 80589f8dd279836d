/**
 * Tool names. LlamaGate's convention is `mcp.<server>.<tool>` (server names have no dots, tool names may).
 * Providers such as OpenAI, Anthropic and Gemini accept only `^[a-zA-Z0-9_-]{1,64}$` as a function name, so
 * the model sees a safe form (`mcp__<server>__<tool>`, other characters replaced, a hash suffix when it would
 * be too long or collide) and a {@link ToolNameMap} built from the offered tools maps it back.
 */
import { createHash } from 'node:crypto';

export const MCP_TOOL_PREFIX = 'mcp.';
const SAFE_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export interface QualifiedToolName {
  server: string;
  tool: string;
}

/** `mcp.<server>.<tool>` */
export function qualifiedToolName(server: string, tool: string): string {
  return `${MCP_TOOL_PREFIX}${server}.${tool}`;
}

/** Splits `mcp.<server>.<tool>` (the tool part may contain dots); undefined for anything else. */
export function parseQualifiedToolName(name: string): QualifiedToolName | undefined {
  if (!name.startsWith(MCP_TOOL_PREFIX)) return undefined;
  const rest = name.slice(MCP_TOOL_PREFIX.length);
  const dot = rest.indexOf('.');
  if (dot <= 0 || dot === rest.length - 1) return undefined;
  return { server: rest.slice(0, dot), tool: rest.slice(dot + 1) };
}

export function isSafeFunctionName(name: string): boolean {
  return SAFE_NAME.test(name);
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/**
 * The provider-safe form of a tool name: deterministic, so the loop, the hub and the docs agree.
 * `prefix` is `mcp__` for the chat loop and empty for the `/mcp` hub.
 */
export function safeToolName(server: string, tool: string, prefix = 'mcp__'): string {
  const readable = `${prefix}${server}__${tool.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
  if (readable.length <= 64 && readable.replace(/[^a-zA-Z0-9_-]/g, '') === readable && tool === tool.trim()) {
    return readable;
  }
  return `${readable.slice(0, 55)}_${shortHash(`${server}\u0000${tool}`)}`;
}

/** Safe names ↔ tools for one set of offered tools; collisions get a hash suffix so the mapping stays one-to-one. */
export class ToolNameMap {
  private readonly bySafe = new Map<string, QualifiedToolName>();
  private readonly byQualified = new Map<string, string>();

  constructor(
    tools: Iterable<QualifiedToolName>,
    private readonly prefix = 'mcp__',
  ) {
    for (const entry of tools) this.add(entry);
  }

  add(entry: QualifiedToolName): string {
    const key = `${entry.server}\u0000${entry.tool}`;
    const known = this.byQualified.get(key);
    if (known !== undefined) return known;
    let safe = safeToolName(entry.server, entry.tool, this.prefix);
    if (this.bySafe.has(safe)) safe = `${safe.slice(0, 55)}_${shortHash(key)}`;
    this.bySafe.set(safe, entry);
    this.byQualified.set(key, safe);
    return safe;
  }

  safeName(server: string, tool: string): string | undefined {
    return this.byQualified.get(`${server}\u0000${tool}`);
  }

  /** A name the model called: the safe form, or `mcp.<server>.<tool>` when the provider kept dots. */
  resolve(name: string): QualifiedToolName | undefined {
    const safe = this.bySafe.get(name);
    if (safe !== undefined) return safe;
    const qualified = parseQualifiedToolName(name);
    if (qualified !== undefined && this.byQualified.has(`${qualified.server}\u0000${qualified.tool}`)) return qualified;
    return undefined;
  }

  isMcpName(name: string): boolean {
    return this.resolve(name) !== undefined;
  }
}
